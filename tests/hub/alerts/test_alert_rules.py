"""Each alert rule on hand-made facts and a fixed ``now``: found exactly when it should be."""

from datetime import UTC, date, datetime, timedelta

import pytest

from hub.alerts.config import AlertConfig, UnknownRule, config_from, parse_rules_off
from hub.alerts.evaluate import evaluate
from hub.alerts.facts import DayFigures, DeviceFacts, Facts, RoomFacts, SpoolFill
from hub.settings import Settings

# Tuesday 2026-01-06 12:00 UTC, 13:00 in Berlin.
NOW = datetime(2026, 1, 6, 12, 0, tzinfo=UTC)
HOUR_US = 3_600_000_000
CONFIG = AlertConfig()


def room(**kw: object) -> RoomFacts:
    values: dict[str, object] = {
        "id": "aurora",
        "name": "Aurora",
        "capacity": 4,
        "timezone": "Europe/Berlin",
    }
    values.update(kw)
    return RoomFacts(**values)  # type: ignore[arg-type]


def device(**kw: object) -> DeviceFacts:
    values: dict[str, object] = {
        "id": "term-aurora",
        "room_id": "aurora",
        "online": True,
        "status_changed_at": NOW - timedelta(days=10),
        "last_sensor_event_at": NOW - timedelta(minutes=1),
    }
    values.update(kw)
    return DeviceFacts(**values)  # type: ignore[arg-type]


def found(facts: Facts, now: datetime = NOW, config: AlertConfig = CONFIG) -> list[tuple[str, str]]:
    return [(f.rule, f.subject_id) for f in evaluate(facts, now, config)]


def facts(
    rooms: list[RoomFacts] | None = None,
    devices: list[DeviceFacts] | None = None,
    days: dict[str, list[DayFigures]] | None = None,
) -> Facts:
    rooms = rooms if rooms is not None else [room()]
    return Facts(rooms={r.id: r for r in rooms}, devices=devices or [], days=days or {})


def test_nothing_wrong_finds_nothing() -> None:
    assert found(facts(devices=[device()])) == []


def test_a_terminal_offline_for_ten_minutes_is_critical_and_a_shorter_spell_is_nothing() -> None:
    short = device(online=False, status_changed_at=NOW - timedelta(minutes=9))
    assert found(facts(devices=[short])) == []
    long = device(online=False, status_changed_at=NOW - timedelta(minutes=10))
    (finding,) = evaluate(facts(devices=[long]), NOW, CONFIG)
    assert (finding.rule, finding.subject_kind, finding.subject_id) == (
        "device_offline",
        "device",
        "term-aurora",
    )
    assert finding.severity == "critical" and finding.room_id == "aurora"
    assert "offline since Tue 06 Jan 12:50" in finding.message  # Berlin time


def test_a_terminal_never_heard_from_is_not_offline() -> None:
    assert found(facts(devices=[device(online=False, status_changed_at=None)])) == []


def test_over_capacity_needs_the_bands_lower_bound_above_capacity_for_five_minutes() -> None:
    since = NOW - timedelta(minutes=6)
    over = room(occupied=True, band=5, band_top=5, over_capacity_since=since)
    assert found(facts([over])) == [("over_capacity", "aurora")]
    (finding,) = evaluate(facts([over]), NOW, CONFIG)
    assert finding.message.startswith("Aurora has held 5 or more people since")
    recent = room(occupied=True, band=5, band_top=5, over_capacity_since=NOW - timedelta(minutes=4))
    assert found(facts([recent])) == []
    at_capacity = room(occupied=True, band=4, band_top=5, over_capacity_since=None)
    assert found(facts([at_capacity])) == []
    unknown = room(occupied=True, band=None, over_capacity_since=since)
    assert found(facts([unknown])) == []


def test_a_door_unchanged_for_12_hours_while_the_room_was_used_is_stuck() -> None:
    door_last = NOW - timedelta(hours=13)
    used = room(occupied=False, last_occupied_at=NOW - timedelta(hours=2))
    terminal = device(doors={"door-1": door_last, "door-2": NOW - timedelta(hours=1)})
    (finding,) = evaluate(facts([used], [terminal]), NOW, CONFIG)
    assert (finding.rule, finding.subject_id) == ("door_stuck", "term-aurora")
    assert finding.details["sensors"] == {"door-1": door_last.isoformat()}
    # Nobody in the room in those 12 hours: a closed door is no surprise.
    unused = room(occupied=False, last_occupied_at=NOW - timedelta(hours=13))
    assert found(facts([unused], [terminal])) == []
    # Occupied right now counts as used in the window.
    assert found(facts([room(occupied=True)], [terminal])) == [("door_stuck", "term-aurora")]
    # An offline terminal is judged by the offline rule instead.
    offline = device(
        online=False, status_changed_at=NOW - timedelta(minutes=1), doors=terminal.doors
    )
    assert found(facts([used], [offline])) == []


def test_a_terminal_online_with_no_sensor_event_for_72_hours_is_silent() -> None:
    quiet = device(last_sensor_event_at=NOW - timedelta(hours=73))
    assert found(facts(devices=[quiet])) == [("sensors_silent", "term-aurora")]
    assert found(facts(devices=[device(last_sensor_event_at=NOW - timedelta(hours=71))])) == []
    # Back online an hour ago: it has not been online long enough to judge.
    back = device(status_changed_at=NOW - timedelta(hours=1), last_sensor_event_at=None)
    assert found(facts(devices=[back])) == []
    never = device(status_changed_at=NOW - timedelta(hours=80), last_sensor_event_at=None)
    assert found(facts(devices=[never])) == [("sensors_silent", "term-aurora")]


def test_a_spool_full_report_within_24_hours_is_found_and_an_older_one_is_not() -> None:
    full = device(
        spool_dropped=120, spool_full_reports=2, spool_full_last_at=NOW - timedelta(hours=3)
    )
    (finding,) = evaluate(facts(devices=[full]), NOW, CONFIG)
    assert finding.rule == "spool_full" and finding.details["dropped"] == 120
    old = device(
        spool_dropped=1, spool_full_reports=1, spool_full_last_at=NOW - timedelta(hours=25)
    )
    assert found(facts(devices=[old])) == []


def spool(pending: int, size: int = 0, **kw: object) -> SpoolFill:
    values: dict[str, object] = {
        "pending": pending,
        "max_messages": 1000,
        "bytes": size,
        "max_bytes": 64 * 1024 * 1024,
        "reported_at": NOW - timedelta(minutes=1),
    }
    values.update(kw)
    return SpoolFill(**values)  # type: ignore[arg-type]


def test_a_spool_at_80_percent_of_its_messages_or_bytes_is_nearly_full() -> None:
    assert found(facts(devices=[device(spool_fill=spool(799, 50 * 1024 * 1024))])) == []
    assert found(facts(devices=[device(spool_fill=spool(800))])) == [
        ("spool_nearly_full", "term-aurora")
    ]
    (finding,) = evaluate(
        facts(devices=[device(spool_fill=spool(10, 52 * 1024 * 1024))]), NOW, CONFIG
    )
    assert (finding.subject_kind, finding.severity, finding.room_id) == (
        "device",
        "warning",
        "aurora",
    )
    assert finding.details["bytes_pct"] == 81.2 and finding.details["messages_pct"] == 1.0
    assert finding.details["used_pct"] == 81.2 and finding.details["threshold_pct"] == 80.0
    assert (
        "spool is 81 % full (10 of 1000 messages, 52 of 64 MB) by its heartbeat of "
        "Tue 06 Jan 12:59" in finding.message  # Berlin time
    )


def test_spool_nearly_full_follows_its_threshold_and_needs_a_reported_fill() -> None:
    config = AlertConfig(spool_nearly_full_pct=95.0)
    assert found(facts(devices=[device(spool_fill=spool(900))]), config=config) == []
    assert found(facts(devices=[device(spool_fill=spool(950))]), config=config) == [
        ("spool_nearly_full", "term-aurora")
    ]
    assert found(facts(devices=[device(spool_fill=None)])) == []  # never reported


def test_spool_nearly_full_judges_the_last_fill_of_an_offline_terminal_too() -> None:
    """Offline, its spool is still filling: the last fill stands, next to device_offline."""
    away = device(
        online=False,
        status_changed_at=NOW - timedelta(hours=2),
        spool_fill=spool(850, reported_at=NOW - timedelta(hours=2)),
    )
    assert found(facts(devices=[away])) == [
        ("device_offline", "term-aurora"),
        ("spool_nearly_full", "term-aurora"),
    ]


def test_speech_kept_over_the_bound_is_more_than_full() -> None:
    (finding,) = evaluate(facts(devices=[device(spool_fill=spool(1200))]), NOW, CONFIG)
    assert finding.details["used_pct"] == 120.0 and "spool is 120 % full" in finding.message


def day(
    days_ago: int, occupied_h: float, known_h: float = 9.0, working_h: float = 9.0
) -> DayFigures:
    return DayFigures(
        day=date(2026, 1, 6) - timedelta(days=days_ago),
        working_us=int(working_h * HOUR_US),
        known_us=int(known_h * HOUR_US),
        occupied_us=int(occupied_h * HOUR_US),
    )


def test_low_utilization_needs_each_of_the_last_five_working_days_below_15_percent() -> None:
    low = [day(n, 0.9) for n in (1, 2, 5, 6, 7)]  # 10 % of each day
    assert found(facts(days={"aurora": low})) == [("low_utilization", "aurora")]
    (finding,) = evaluate(facts(days={"aurora": low}), NOW, CONFIG)
    assert finding.severity == "info"
    assert finding.details["average_pct"] == 10.0
    assert "on average 10 %" in finding.message
    # One busy day among the last five: not "for 5 days".
    busy = [*low[:4], day(7, 2.0)]
    assert found(facts(days={"aurora": busy})) == []
    # Only four days with data: not yet.
    assert found(facts(days={"aurora": low[:4]})) == []


def test_low_utilization_ignores_today_days_off_and_days_mostly_unknown() -> None:
    today = day(0, 5.0)  # busy so far today: it does not count either way
    off = day(3, 0.0, known_h=0.0, working_h=0.0)
    dark = day(4, 4.0, known_h=4.0)  # known less than half the working day: skipped
    low = [day(n, 0.9) for n in (1, 2, 5, 6, 7)]
    assert found(facts(days={"aurora": [today, off, dark, *low]})) == [
        ("low_utilization", "aurora")
    ]


def test_rules_turned_off_find_nothing() -> None:
    offline = device(online=False, status_changed_at=NOW - timedelta(hours=1))
    config = AlertConfig(rules_off=frozenset({"device_offline"}))
    assert found(facts(devices=[offline]), config=config) == []


def test_rules_off_names_must_exist() -> None:
    assert parse_rules_off(" spool_full, door_stuck ,") == {"spool_full", "door_stuck"}
    with pytest.raises(UnknownRule, match=r"unknown rules \['spool_ful'\]"):
        parse_rules_off("spool_ful")


def test_settings_give_the_documented_defaults() -> None:
    config = config_from(Settings(_env_file=None))
    assert config == AlertConfig()
    assert config.hold_down == timedelta(minutes=15)
    assert config.spool_nearly_full_pct == 80.0


def test_the_spool_threshold_comes_from_its_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUORUM_ALERTS_SPOOL_NEARLY_FULL_PCT", "90")
    assert config_from(Settings(_env_file=None)).spool_nearly_full_pct == 90.0
    monkeypatch.setenv("QUORUM_ALERTS_SPOOL_NEARLY_FULL_PCT", "120")
    with pytest.raises(ValueError, match="alerts_spool_nearly_full_pct"):
        Settings(_env_file=None)
