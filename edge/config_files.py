"""The terminal's configuration file and its neighbours, for configuration push.

::

    <config>            what the terminal starts with; replaced only once a pushed one works
    <config>.candidate  a pushed configuration while it is tried
    <config>.last-good  the configuration the last applied one replaced (to go back by hand)
    <config>.failed     the last pushed configuration that was rolled back (to read why)

The file itself changes only after the candidate passed its health check, so a terminal that
loses power while trying one starts again with the configuration that worked. Every write is
a new file in the same directory, flushed to disk and renamed over the old one.
"""

import contextlib
import os
import stat
from pathlib import Path


class ConfigFiles:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.candidate = path.with_name(path.name + ".candidate")
        self.last_good = path.with_name(path.name + ".last-good")
        self.failed = path.with_name(path.name + ".failed")

    def write_candidate(self, content: bytes) -> None:
        """Raise OSError when the directory is not writable (a read-only /etc, for one)."""
        _write_atomically(self.candidate, content, self._mode())

    def promote(self) -> None:
        """The candidate becomes the configuration; the one it replaces becomes last-good."""
        _write_atomically(self.last_good, self.path.read_bytes(), self._mode())
        os.replace(self.candidate, self.path)
        _sync_directory(self.path.parent)

    def keep_failed(self) -> None:
        """Keep a candidate that was rolled back as ``.failed`` (best effort)."""
        with contextlib.suppress(OSError):
            os.replace(self.candidate, self.failed)

    def _mode(self) -> int:
        try:
            return stat.S_IMODE(self.path.stat().st_mode)
        except OSError:
            return 0o640


def _write_atomically(path: Path, content: bytes, mode: int) -> None:
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)
        file.flush()
        os.fsync(file.fileno())
    try:
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)
        raise
    _sync_directory(path.parent)


def _sync_directory(directory: Path) -> None:
    """Make the renames durable (a power cut right after must not undo them)."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(descriptor)
    finally:
        os.close(descriptor)
