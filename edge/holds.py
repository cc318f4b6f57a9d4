"""Named holds on a stream of audio: while any is on, nobody downstream hears anything.

Holds have reasons (``mute``, ``announcement``, ``off_record``...) so that two of them can
overlap: the terminal speaking a reply while the mute switch is on must not unmute the room
when the reply ends. Any thread may hold or release.
"""

import threading


class Holds:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reasons: set[str] = set()

    def hold(self, why: str) -> None:
        with self._lock:
            self._reasons.add(why)

    def release(self, why: str) -> None:
        with self._lock:
            self._reasons.discard(why)

    @property
    def held(self) -> bool:
        with self._lock:
            return bool(self._reasons)

    def reasons(self) -> set[str]:
        with self._lock:
            return set(self._reasons)
