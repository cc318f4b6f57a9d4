"""Fetch a release from the hub and check it: the size and SHA-256 the hub's command named.

The check is what makes the artifact trustworthy, not the transport: a file that does not
match is deleted and never installed. The body is streamed to disk and hashed on the way,
and reading stops as soon as it exceeds the announced size.
"""

import hashlib
import os
import ssl
import urllib.error
import urllib.request
from pathlib import Path
from typing import Protocol

CHUNK_BYTES = 256 * 1024


class DownloadError(Exception):
    """The artifact could not be fetched."""


class ChecksumMismatch(Exception):
    """The artifact is not what the hub announced (size or SHA-256)."""


class Fetcher(Protocol):
    def fetch(self, url: str, destination: Path, *, sha256: str, size_bytes: int) -> None:
        """Write the verified artifact to ``destination``; raise DownloadError or
        ChecksumMismatch (and leave nothing at ``destination``) otherwise."""
        ...


class HttpFetcher:
    def __init__(self, ca_file: str | None = None, timeout_s: float = 60.0) -> None:
        self._context = ssl.create_default_context(cafile=ca_file)
        self._timeout_s = timeout_s

    def fetch(self, url: str, destination: Path, *, sha256: str, size_bytes: int) -> None:
        partial = destination.with_name(destination.name + ".part")
        digest = hashlib.sha256()
        received = 0
        try:
            request = urllib.request.Request(url, headers={"User-Agent": "quorum-edge-update"})
            with (
                urllib.request.urlopen(
                    request, timeout=self._timeout_s, context=self._context
                ) as response,
                partial.open("wb") as out,
            ):
                while chunk := response.read(CHUNK_BYTES):
                    received += len(chunk)
                    if received > size_bytes:
                        raise ChecksumMismatch(f"more than the announced {size_bytes} bytes")
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
        except urllib.error.HTTPError as exc:
            partial.unlink(missing_ok=True)
            raise DownloadError(f"{_safe(url)}: HTTP {exc.code} {exc.reason}") from exc
        except (urllib.error.URLError, OSError) as exc:
            partial.unlink(missing_ok=True)
            raise DownloadError(f"{_safe(url)}: {exc}") from exc
        except ChecksumMismatch:
            partial.unlink(missing_ok=True)
            raise
        verify(partial, received, digest.hexdigest(), sha256=sha256, size_bytes=size_bytes)
        os.replace(partial, destination)


def verify(path: Path, received: int, found: str, *, sha256: str, size_bytes: int) -> None:
    """Delete ``path`` and raise ChecksumMismatch unless size and digest are as announced."""
    if received != size_bytes:
        path.unlink(missing_ok=True)
        raise ChecksumMismatch(f"{received} bytes received, {size_bytes} announced")
    if found != sha256:
        path.unlink(missing_ok=True)
        raise ChecksumMismatch(f"SHA-256 {found[:16]}..., announced {sha256[:16]}...")


def _safe(url: str) -> str:
    """The URL without its last path level: that is the download token."""
    return url.rsplit("/", 1)[0] + "/..."
