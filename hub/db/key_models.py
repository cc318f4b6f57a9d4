"""ORM model of the meeting keys (hub/sealing/keys.py): one AES-256 key per meeting, wrapped
by the master key. Deleting a row makes everything sealed with that key unreadable.

Imported at the end of ``hub.db.models`` (like ``speech_models``) so Alembic sees it. The
sealing code itself uses Core statements on this table (it runs inside flushes).
"""

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models import Base


class MeetingKey(Base):
    __tablename__ = "meeting_keys"
    # The meeting's session id, or the scope of content that belongs to no meeting.
    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    # The room's department when the key was made ("" for none): part of every AAD.
    department_id: Mapped[str] = mapped_column(String(63))
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    # Which master key wrapped it (LocalKeyProvider: "local:<fingerprint>").
    master_key_id: Mapped[str] = mapped_column(String(200), index=True)
