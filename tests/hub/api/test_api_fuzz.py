"""API robustness: schemathesis against the app's own OpenAPI, authenticated. Zero 5xx.

Every operation (every method) is called with generated valid and invalid input, as an
admin, as facilities staff of one department and as a member, and every answer must be:

- not a server error (no 5xx, no exception escaping the app);
- documented: its status code, content type, headers and body match the OpenAPI;
- a rejection (4xx) when the input breaks the schema, and a 401 without a token.

The hub is built like every API test's (``running_hub``: the real app and lifespan, a
SQLite file, the organisation from firmware_configs/, ingest replaced by a fake) with
some history in it. Generated ids and times are mixed with real ones (schemathesis
dictionaries), so requests reach the analytics with real rooms, desks and time ranges
around daylight-saving changes and the edges of the accepted range, not only 404s.

The database refuses NUL characters in text the way PostgreSQL does, so input that
would crash the hub there fails here too. Requests that revoke the callers' own tokens or
demote them are undone after each call, so every request is made with working rights.

``test_any_valid_range_is_answered`` (plain hypothesis) adds what random strings seldom
hit: every valid time range, with any offset, gets an occupancy and a utilization answer.

Run alone: ``pytest tests/hub/api/test_api_fuzz.py -p no:cacheprovider``. It is
deterministic (hypothesis derandomized); for a longer, random exploration set
``QUORUM_FUZZ_SEED=<any int>`` and ``QUORUM_FUZZ_EXAMPLES=<per operation>``.

Not checked: ``positive_data_acceptance``. A request that the schema allows may still
break a rule the schema cannot state (``start`` before ``end``, a department that
exists, a time from 1970 to 2199); the hub answers those with a 422 by design.
Not run: schemathesis' stateful (link) tests. On one shared database the generated
sequences depend on what earlier examples stored, which Hypothesis reports as flaky.
"""

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
import schemathesis
from api_world import (
    DEVICE_OF_ROOM,
    EAST_DESKS,
    NOW,
    OWN_ROOM,
    SHARED_ROOMS,
    Hub,
    auth,
    populate,
    running_hub,
)
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig
from sqlalchemy import Engine, event, update

from hub.app import create_app
from hub.auth.tokens import hash_token
from hub.db.models import ApiToken, DeadLetter, SiteHoliday, User
from hub.ingest.stats import IngestStats
from hub.settings import Settings

# The accounts the operations are called as: user id -> (role, department).
CALLERS = {
    "admin": ("admin", None),
    "facilities-engineering": ("facilities", "engineering"),
    "member-exec": ("member", "exec"),
}
EXAMPLES = int(os.environ.get("QUORUM_FUZZ_EXAMPLES", "25"))
# Facilities and members are fuzzed less deeply than the admin, who reaches every handler's
# code: for them most operations end at the same scope check, which the access matrix
# (test_api_access_matrix.py) already covers operation by operation. Keeps the suite in time.
ROLE_EXAMPLES = max(1, EXAMPLES * 2 // 5)
SEED = os.environ.get("QUORUM_FUZZ_SEED")

ROOMS = sorted(SHARED_ROOMS | set(OWN_ROOM.values()))
HOLIDAYS = ("2026-01-01", "2026-05-01", "2026-12-25")
# Times the analytics must cope with: the fake clock's "now" and the days around it,
# daylight-saving changes in Europe/Berlin (the rooms' zone), odd offsets, and the edges
# of the accepted range (1970 to 2199) and beyond. Hypothesis favours the first ones.
TIMES = (
    "2026-01-05T00:00:00+01:00",
    "2026-01-06T12:00:00Z",
    "2025-12-31T23:00:00-00:30",
    "2026-01-07T00:00:00+01:00",
    "2026-01-06T13:00:00+01:00",
    "2026-03-29T00:30:00Z",
    "2026-03-29T02:30:00+02:00",
    "2025-10-26T00:59:59Z",
    "2025-10-26T02:30:00+01:00",
    "1970-01-01T00:00:00Z",
    "1970-01-02T00:00:00+14:00",
    "1969-12-31T23:59:59Z",
    "2199-12-31T23:59:59.999999Z",
    "2199-12-31T00:00:00-12:00",
    "2200-01-01T00:00:00Z",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
)


def _dictionaries() -> dict[str, list[Any]]:
    return {
        "rooms": ROOMS,
        "desks": sorted(EAST_DESKS),
        "devices": sorted(DEVICE_OF_ROOM.values()),
        "sites": ["hq"],
        "buildings": ["hq-main"],
        "floors": ["hq-main-f1", "hq-main-f2"],
        "departments": ["engineering", "exec"],
        "users": [*sorted(CALLERS), "display-engineering", "device-exec"],
        "token_ids": list(range(1, 12)),
        "days": list(HOLIDAYS),
        "times": list(TIMES),
    }


# Which parameters draw from which dictionary, and how often: ids half of the time, times
# more often, since a random pair is seldom a valid range and the analytics need one.
_BINDINGS = {
    "path.room_id": "rooms",
    "query.room_id": "rooms",
    "path.desk_id": "desks",
    "query.desk_id": "desks",
    "path.device_id": "devices",
    "path.site_id": "sites",
    "query.site_id": "sites",
    "query.building_id": "buildings",
    "query.floor_id": "floors",
    "query.department_id": "departments",
    "path.user_id": "users",
    "path.token_id": "token_ids",
    "path.day": "days",
    "query.start": "times",
    "query.end": "times",
    "body.department_id": "departments",
}

CONFIG = SchemathesisConfig.from_dict(
    {
        **({"seed": int(SEED)} if SEED is not None else {}),
        # The event stream never ends: its first event (`ready`) is enough.
        "max-stream-events": 1,
        "generation": {
            "max-examples": EXAMPLES,
            "database": "none",
            "deterministic": SEED is None,
            # Unknown query parameters are ignored, as HTTP APIs do; not a bad request.
            "allow-extra-parameters": False,
            # The caller's token is sent with every request (below), never generated.
            "with-security-parameters": False,
        },
        "checks": {"positive_data_acceptance": {"enabled": False}},
        "dictionaries": {name: {"values": values} for name, values in _dictionaries().items()},
        "parameters": {
            key: {"dictionary": name, "probability": 0.8 if name == "times" else 0.5}
            for key, name in _BINDINGS.items()
        },
    }
)


class HubUnderTest:
    """The ASGI app schemathesis calls: the hub of the ``fuzz_hub`` fixture.

    That hub's lifespan is run by its TestClient, as in every API test; the lifespan
    schemathesis would start and stop around each test is answered here without
    reaching the hub (a second one would build another store on the same app).
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        await self.app(scope, receive, send)


# Until the fixture starts a hub, an app without lifespan serves the OpenAPI document.
TARGET = HubUnderTest(create_app(Settings(_env_file=None, ingest_enabled=False)))
schema = schemathesis.openapi.from_asgi("/openapi.json", TARGET, config=CONFIG)


class FakeIngest:
    """Ingest without a broker: the API shows its counters."""

    def __init__(self, **_: Any) -> None:
        pass

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def stats(self) -> IngestStats:
        return IngestStats(
            received=3,
            stored=2,
            duplicates=0,
            dead_letters=1,
            dead_letters_by_reason={"malformed_json": 1},
            queue_depth=0,
            connected=True,
            last_commit_at=NOW,
        )


def refuse_nul_like_postgresql(engine: Engine) -> None:
    """Make the SQLite store fail on NUL characters in text, as PostgreSQL does."""

    def check(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        stack = [parameters]
        while stack:
            value = stack.pop()
            if isinstance(value, str) and "\x00" in value:
                raise ValueError(f"PostgreSQL refuses NUL characters in text: {statement}")
            if isinstance(value, dict):
                stack.extend(value.values())
            elif isinstance(value, list | tuple):
                stack.extend(value)

    event.listen(engine, "before_cursor_execute", check)


def add_history(hub: Hub) -> None:
    hours = [NOW - timedelta(hours=h) for h in (50, 30, 26, 20, 5, 3, 1)]
    hub.add_changes(
        "room",
        "hq-f1-aurora",
        "term-hq-f1-aurora",
        *[(ts, i % 2 == 1) for i, ts in enumerate(hours)],
    )
    hub.add_changes(
        "desk", "hq-f2-e03", "term-hq-f2-east-desks", (hours[1], False), (hours[4], True)
    )
    hub.set_state("room", "hq-f1-aurora", True, hours[-1])
    hub.set_state("desk", "hq-f2-e03", True, hours[4])
    with hub.session() as session:
        for day in HOLIDAYS:
            session.add(SiteHoliday(site_id="hq", day=date.fromisoformat(day), name=day))
        session.add(
            DeadLetter(
                received_at=NOW - timedelta(minutes=5),
                topic="quorum/v1/rooms/x/devices/d/occupancy",
                payload=b"\xff{not json",
                reason="malformed_json",
                detail="not JSON",
            )
        )


@pytest.fixture(scope="module")
def fuzz_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    with running_hub(
        tmp_path_factory.mktemp("fuzz"), ingest_enabled=True, ingest_factory=FakeIngest
    ) as hub:
        refuse_nul_like_postgresql(hub.state.engine)
        populate(hub)
        add_history(hub)
        idle, TARGET.app = TARGET.app, hub.app
        try:
            yield hub
        finally:
            TARGET.app = idle


def keep_callers_working(hub: Hub) -> None:
    """Undo what a request did to the callers' own accounts (a revoked token, a demoted,
    moved or deactivated user), so that every request is made with working credentials."""
    with hub.session() as session:
        hashes = [hash_token(hub.tokens[uid]) for uid in CALLERS]
        session.execute(
            update(ApiToken).where(ApiToken.token_hash.in_(hashes)).values(revoked_at=None)
        )
        for uid, (role, department) in CALLERS.items():
            session.execute(
                update(User)
                .where(User.id == uid)
                .values(active=True, role=role, department_id=department)
            )


FUZZ = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
FUZZ_ROLE = settings(FUZZ, max_examples=ROLE_EXAMPLES)


def call_as(caller: str, case: Any, hub: Hub) -> None:
    try:
        case.call_and_validate(headers=auth(hub.tokens[caller]))
    finally:
        if case.method.upper() != "GET":
            keep_callers_working(hub)


@schema.parametrize()
@FUZZ
def test_api_as_admin(case: Any, fuzz_hub: Hub) -> None:
    call_as("admin", case, fuzz_hub)


@schema.parametrize()
@FUZZ_ROLE
def test_api_as_facilities(case: Any, fuzz_hub: Hub) -> None:
    call_as("facilities-engineering", case, fuzz_hub)


@schema.parametrize()
@FUZZ_ROLE
def test_api_as_member(case: Any, fuzz_hub: Hub) -> None:
    call_as("member-exec", case, fuzz_hub)


@st.composite
def valid_ranges(draw: st.DrawFn) -> tuple[str, str]:
    """A range the API must accept: in 1970-2199, at most 366 days, written with any offset."""
    low, high = draw(
        st.sampled_from(
            [
                (datetime(2025, 1, 1), datetime(2027, 1, 1)),
                (datetime(1970, 1, 1), datetime(2199, 12, 31)),
            ]
        )
    )
    start = draw(st.datetimes(min_value=low, max_value=high)).replace(tzinfo=UTC)
    length = draw(st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(days=366)))
    end = min(start + length, datetime(2200, 1, 1, tzinfo=UTC) - timedelta(microseconds=1))
    offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
        lambda minutes: timezone(timedelta(minutes=minutes))
    )
    return start.astimezone(draw(offsets)).isoformat(), end.astimezone(draw(offsets)).isoformat()


def _seeded(test: Any) -> Any:
    return seed(int(SEED))(test) if SEED is not None else test


@_seeded
@settings(max_examples=EXAMPLES, deadline=None, derandomize=SEED is None, database=None)
@given(
    space=st.sampled_from([("rooms", r) for r in ROOMS] + [("desks", d) for d in EAST_DESKS]),
    rng=valid_ranges(),
    group_by=st.sampled_from(["room", "desk", "floor", "day"]),
)
def test_any_valid_range_is_answered(
    fuzz_hub: Hub, space: tuple[str, str], rng: tuple[str, str], group_by: str
) -> None:
    """Occupancy and utilization answer 200 for every range the API documents as valid."""
    kind, space_id = space
    params = {"start": rng[0], "end": rng[1]}
    history = fuzz_hub.get(f"/{kind}/{space_id}/occupancy", params=params)
    assert history.status_code == 200, history.text
    report = fuzz_hub.get("/utilization", params={**params, "group_by": group_by})
    assert report.status_code == 200, report.text
