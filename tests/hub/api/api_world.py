"""A hub for API tests: the real app (lifespan and all) on a temporary SQLite file.

The organisation comes from firmware_configs/: shared rooms hq-f1-aurora and
hq-f1-borealis, the exec department's hq-f2-cosmos, and engineering's desk area
hq-f2-east with desks hq-f2-e01..e06. Users of every role exist in both
departments, each with a token.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from common.clock import FakeClock
from hub.app import create_app
from hub.auth.tokens import issue_token
from hub.db.models import OccupancyChange, SpaceState
from hub.settings import Settings
from hub.state import HubState

ROOT = Path(__file__).resolve().parents[3]
FIRMWARE_CONFIGS = ROOT / "firmware_configs"
ADMIN_TOKEN = "admin-test-token-0123456789"
# Tuesday 2026-01-06 12:00 UTC (13:00 in Berlin, where the example rooms are).
NOW = datetime(2026, 1, 6, 12, 0, tzinfo=UTC)

DEPARTMENTS = ("engineering", "exec")
ROLES = ("facilities", "member", "display", "device")
SHARED_ROOMS = {"hq-f1-aurora", "hq-f1-borealis"}
OWN_ROOM = {"engineering": "hq-f2-east", "exec": "hq-f2-cosmos"}
OTHER = {"engineering": "exec", "exec": "engineering"}
EAST_DESKS = {f"hq-f2-e0{i}" for i in range(1, 7)}
DEVICE_OF_ROOM = {
    "hq-f1-aurora": "term-hq-f1-aurora",
    "hq-f1-borealis": "term-hq-f1-borealis",
    "hq-f2-cosmos": "term-hq-f2-cosmos",
    "hq-f2-east": "term-hq-f2-east-desks",
}


def user_id(role: str, department: str) -> str:
    return f"{role}-{department}"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Hub:
    app: FastAPI
    client: TestClient
    clock: FakeClock
    tokens: dict[str, str] = field(default_factory=dict)  # user id -> token

    @property
    def state(self) -> HubState:
        state: HubState = self.app.state.hub
        return state

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.state.session_factory() as session:
            yield session
            session.commit()

    def request(self, method: str, path: str, user: str = "admin", **kwargs: Any) -> httpx.Response:
        headers = auth(self.tokens[user]) if user else {}
        return self.client.request(method, f"/api/v1{path}", headers=headers, **kwargs)

    def get(self, path: str, user: str = "admin", **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, user, **kwargs)

    def ok(self, path: str, user: str = "admin", **kwargs: Any) -> Any:
        response = self.get(path, user, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    def add_user(self, uid: str, role: str, department: str | None) -> str:
        """Create a user through the API and return a fresh token of theirs."""
        created = self.request(
            "POST",
            "/users",
            json={
                "id": uid,
                "display_name": uid.title(),
                "role": role,
                "department_id": department,
            },
        )
        assert created.status_code == 201, created.text
        issued = self.request("POST", f"/users/{uid}/tokens", json={"name": "test"})
        assert issued.status_code == 201, issued.text
        self.tokens[uid] = issued.json()["token"]
        return self.tokens[uid]

    def expired_token(self, uid: str) -> str:
        with self.session() as session:
            issued = issue_token(
                session, uid, now=self.clock.now() - timedelta(days=3), expires_in=timedelta(days=1)
            )
        return issued.token

    def set_state(self, kind: str, space_id: str, occupied: bool, since: datetime) -> None:
        with self.session() as session:
            row = session.get(SpaceState, (kind, space_id))
            if row is None:
                session.add(
                    SpaceState(
                        space_kind=kind,
                        space_id=space_id,
                        occupied=occupied,
                        since=since,
                        updated_at=since,
                    )
                )
            else:
                row.occupied, row.since, row.updated_at = occupied, since, since

    def add_changes(
        self, kind: str, space_id: str, device: str, *changes: tuple[datetime, bool]
    ) -> None:
        with self.session() as session:
            for seq, (ts, occupied) in enumerate(changes):
                session.add(
                    OccupancyChange(
                        space_kind=kind,
                        space_id=space_id,
                        occupied=occupied,
                        ts=ts,
                        device_id=device,
                        boot="boot-1",
                        seq=seq,
                        initial=seq == 0,
                        signals=["pir"] if occupied else [],
                    )
                )


def settings_for(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp_path / 'hub.db'}",
        "configs_dir": FIRMWARE_CONFIGS,
        "ingest_enabled": False,
        # No background bookings loop: tests of check-in call it, or the API, themselves.
        "checkin_enabled": False,
        # Nor the alerts loop: alert tests run its tick() themselves (tests/hub/alerts).
        "alerts_enabled": False,
        "bootstrap_token": ADMIN_TOKEN,
    }
    unknown = set(overrides) - set(Settings.model_fields)
    assert not unknown, f"not settings: {unknown}"
    values.update(overrides)
    # _env_file=None: a developer's .env must not leak into tests.
    return Settings(_env_file=None, **values)


@contextmanager
def running_hub(
    tmp_path: Path, *, clock: FakeClock | None = None, ingest_factory: Any = None, **overrides: Any
) -> Iterator[Hub]:
    clock = clock or FakeClock(NOW)
    app = create_app(
        settings_for(tmp_path, **overrides), clock=clock, ingest_factory=ingest_factory
    )
    with TestClient(app) as client:
        yield Hub(app=app, client=client, clock=clock, tokens={"admin": ADMIN_TOKEN})


def populate(hub: Hub) -> None:
    """Users of every role in both departments, each with a token."""
    for department in DEPARTMENTS:
        for role in ROLES:
            hub.add_user(user_id(role, department), role, department)
