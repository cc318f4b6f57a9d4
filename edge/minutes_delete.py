"""Forgetting a minutes session on the terminal (a ``cmd/minutes`` ``delete``).

What the terminal still holds of a session: its messages in the spool that the hub has not
confirmed (transcript, minutes, session start/stop) and, when the operator turned
``record_audio`` on, its WAV file. :class:`SessionEraser` removes both and says how many;
the session itself (stopped first if it runs) is :class:`edge.minutes.Minutes`'s business.
"""

import logging
from collections.abc import Callable
from pathlib import Path

from contract.minutes_data import MinutesDeletedData
from edge.recording import recording_path

log = logging.getLogger(__name__)

#: ``Publisher.purge_session``: unconfirmed messages of a session deleted from the spool.
Purge = Callable[[str], int]


class SessionEraser:
    def __init__(self, purge: Purge | None = None, recordings: Path | None = None) -> None:
        self._purge = purge
        # Where recordings go; looked in even if recording is now off (it may have been on).
        self._recordings = recordings

    def erase(self, session_id: str) -> MinutesDeletedData:
        purged = self._purge(session_id) if self._purge is not None else 0
        deleted = 0
        if self._recordings is not None:
            path = recording_path(self._recordings, session_id)
            try:
                path.unlink()
                deleted = 1
            except FileNotFoundError:
                pass
            except OSError as exc:  # say so; the hub hears recordings_deleted: 0
                log.error("minutes: cannot delete the recording %s: %s", path, exc)
        log.info(
            "minutes: session %s deleted: %d spooled message(s), %d recording(s)",
            session_id,
            purged,
            deleted,
        )
        return MinutesDeletedData(
            session=session_id, purged_messages=purged, recordings_deleted=deleted
        )
