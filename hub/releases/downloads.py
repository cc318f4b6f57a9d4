"""Download tokens: how a terminal without an API account fetches a release.

Each command carries a URL ``<releases_url>/releases/download/<token>``: 32 random bytes,
new for every command sent, valid while that terminal's update is still to be downloaded
(the command is sent and not yet installed) and until the reply timeout, for at most
``MAX_DOWNLOADS`` downloads. Only the token's SHA-256 is stored. The terminal checks the file
against the SHA-256 in the command, so the token protects the release from strangers, not
the terminal from a changed file.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.db.release_models import Release, Rollout, RolloutDevice

MAX_DOWNLOADS = 3
#: States in which the terminal may still need the file.
DOWNLOADABLE = frozenset({"sent", "accepted"})
DOWNLOAD_PATH = "/releases/download"


@dataclass(frozen=True)
class Issued:
    token: str
    token_hash: str
    expires_at: datetime


def issue_token(now: datetime, valid_for: timedelta) -> Issued:
    token = secrets.token_urlsafe(32)
    return Issued(token, hash_token(token), now + valid_for)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def download_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}{DOWNLOAD_PATH}/{token}"


def claim_download(session: Session, token: str, now: datetime) -> tuple[Release, str] | None:
    """The release a valid token may fetch (and the terminal's id), counting the download;
    None for an unknown, expired or used-up token (the caller answers 404 either way)."""
    if not 20 <= len(token) <= 100:
        return None
    row = session.scalar(select(RolloutDevice).where(RolloutDevice.token_hash == hash_token(token)))
    if (
        row is None
        or row.state not in DOWNLOADABLE
        or row.token_expires_at is None
        or row.token_expires_at <= now
        or row.downloads >= MAX_DOWNLOADS
    ):
        return None
    rollout = session.get(Rollout, row.rollout_id)
    release = session.get(Release, rollout.version) if rollout is not None else None
    if release is None:
        return None
    row.downloads += 1
    return release, row.device_id
