"""Reports built from the fixture week (conftest.py): the hand-counted figures in the HTML,
the CSV, valid PNG charts, and a well-formed MIME e-mail."""

import csv
import io
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from api_world import Hub
from report_checks import PNG_SIGNATURE, html_tables, png_size
from report_world import LAST_WEEK, MON

from hub.reports.build import BuiltReport, build_report
from hub.reports.charts import SIZE_PX
from hub.reports.csv_out import COLUMNS
from hub.reports.mail import report_email
from hub.reports.periods import Period
from hub.reports.scope import Audience, Focus, ScopeNotFound


def build(
    hub: Hub, period: Period, audience: str = "all", focus: Focus | None = None
) -> BuiltReport:
    day = MON if period == "daily" else LAST_WEEK
    with hub.session() as session:
        return build_report(
            session, period=period, day=day, audience=Audience(audience), focus=focus,
            now=hub.clock.now(),
        )  # fmt: skip


def csv_rows(built: BuiltReport) -> dict[str, dict[str, str]]:
    reader = csv.DictReader(io.StringIO(built.csv().decode()))
    assert reader.fieldnames == COLUMNS
    return {row["space_id"]: row for row in reader}


def test_daily_csv_has_the_hand_counted_figures(week_hub: Hub) -> None:
    rows = csv_rows(build(week_hub, "daily"))
    assert set(rows) == {
        "hq-f1-aurora", "hq-f1-borealis", "hq-f2-cosmos", "hq-f2-east",
        *(f"hq-f2-e0{i}" for i in range(1, 7)),
    }  # fmt: skip
    aurora = rows["hq-f1-aurora"]
    assert {k: aurora[k] for k in COLUMNS} == {
        "period": "daily", "first_date": "2026-01-05", "last_date": "2026-01-05",
        "space_kind": "room", "space_id": "hq-f1-aurora", "space_name": "Aurora",
        "site_id": "hq", "building_id": "hq-main", "floor_id": "hq-main-f1",
        "room_id": "hq-f1-aurora", "capacity": "8",
        "working_hours": "10.00", "elapsed_hours": "10.00", "known_hours": "10.00",
        "occupied_hours": "2.00",
        "booked_hours": "2.42",  # 1 h + 10 min + 1 h 15 min
        "booked_used_hours": "2.00", "unbooked_occupied_hours": "0.00",
        "utilization_pct": "20.0", "coverage_pct": "100.0",
        "booked_pct": "24.2", "booked_used_pct": "82.8",  # 2 / 2.4167
        "meetings": "3", "no_shows": "1", "abandoned": "1", "ghosts": "1",
        # two held meetings: figures about people are withheld
        "peak_people": "", "median_people": "", "p80_people": "", "recommendation": "",
    }  # fmt: skip
    cosmos = rows["hq-f2-cosmos"]
    assert (cosmos["known_hours"], cosmos["occupied_hours"], cosmos["utilization_pct"]) == (
        "8.00", "4.00", "50.0"
    )  # fmt: skip
    assert (cosmos["booked_hours"], cosmos["booked_used_pct"], cosmos["meetings"]) == (
        "0.00", "", "0"
    )  # fmt: skip
    assert rows["hq-f1-borealis"]["utilization_pct"] == ""  # no data is not 0 %
    assert rows["hq-f2-e01"]["space_kind"] == "desk"
    assert rows["hq-f2-e01"]["room_id"] == "hq-f2-east"


def test_weekly_peak_people_only_over_five_meetings(week_hub: Hub) -> None:
    built = build(week_hub, "weekly")
    rows = csv_rows(built)
    cosmos, borealis = rows["hq-f2-cosmos"], rows["hq-f1-borealis"]
    assert (cosmos["first_date"], cosmos["last_date"]) == ("2025-12-29", "2026-01-04")
    assert (cosmos["meetings"], cosmos["peak_people"], cosmos["median_people"]) == ("5", "6", "4.0")
    assert (cosmos["p80_people"], cosmos["recommendation"]) == ("5", "fits")
    assert borealis["meetings"] == "4"
    assert [borealis[k] for k in ("peak_people", "median_people", "recommendation")] == [""] * 3
    rooms = {r[0]: r for r in html_tables(built.html().decode()).rows}
    assert rooms["Cosmos boardroom"][-2:] == ["6", "12-seat room fits its meetings"]
    assert rooms["Borealis"][-2:] == ["–", "–"]


def test_daily_html_shows_the_figures_inline_styled(week_hub: Hub) -> None:
    built = build(week_hub, "daily")
    page = html_tables(built.html().decode())
    assert page.styles_blocks == 0  # inline styles only, for mail programs
    rows = page.rows
    summary = {r[0]: r[1] for r in rows if len(r) == 2}
    assert summary["Booked hours"] == "2.4"
    assert summary["Used (occupied) hours"] == "6.0"
    assert summary["Utilization (used / known working time)"] == "33%"  # 6 of 18 known hours
    assert summary["No-shows released"] == "1"
    assert summary["Abandoned (released after everyone left)"] == "1"
    assert summary["Meetings"] == "3"
    assert ["Aurora", "Floor 1", "8", "2.4", "2.0", "2.0", "20%", "3", "1", "1", "–", "–"] in rows
    assert ["Cosmos boardroom", "50%", "", ""] in rows  # top, and no bottom left over
    assert ["Aurora", "20%", "", ""] in rows
    floors = [r for r in rows if r[0] in ("Floor 1", "Floor 2") and len(r) == 8]
    assert floors == [
        ["Floor 1", "2.4", "2.0", "2.0", "20%", "3", "1", "1"],
        ["Floor 2", "0.0", "4.0", "0.0", "50%", "0", "0", "0"],
    ]
    assert ["Headquarters", "2.4", "6.0", "2.0", "33%", "3", "1", "1"] in rows
    sources = [img["src"] or "" for img in page.images]
    assert len(sources) == 2 and all(s.startswith("data:image/png;base64,") for s in sources)


def test_facilities_reports_hold_their_department_and_shared_spaces(week_hub: Hub) -> None:
    engineering = build(week_hub, "daily", "department:engineering")
    assert set(csv_rows(engineering)) >= {"hq-f1-aurora", "hq-f2-east"}
    assert "hq-f2-cosmos" not in csv_rows(engineering)
    html = engineering.html().decode()
    assert "Cosmos" not in html
    summary = {r[0]: r[1] for r in html_tables(html).rows if len(r) == 2}
    assert summary["Utilization (used / known working time)"] == "20%"  # Aurora's 2 of 10
    exec_rows = csv_rows(build(week_hub, "daily", "department:exec"))
    assert set(exec_rows) == {"hq-f1-aurora", "hq-f1-borealis", "hq-f2-cosmos"}


def test_a_focus_narrows_and_an_unknown_one_is_not_found(week_hub: Hub) -> None:
    floor2 = build(week_hub, "daily", focus=Focus("floor", "hq-main-f2"))
    assert {r["space_id"] for r in csv_rows(floor2).values() if r["space_kind"] == "room"} == {
        "hq-f2-cosmos", "hq-f2-east"
    }  # fmt: skip
    assert floor2.data.total.occupied_hours == 4
    with pytest.raises(ScopeNotFound):
        build(week_hub, "daily", "department:engineering", Focus("floor", "nowhere"))


def test_charts_are_png_images_of_the_stated_size(week_hub: Hub) -> None:
    built = build(week_hub, "daily")
    assert set(built.charts) == {"utilization", "heatmap"}
    for png in built.charts.values():
        assert png.startswith(PNG_SIGNATURE)
        assert png_size(png) == SIZE_PX
    names = {f.name: f.content_type for f in built.files()}
    assert names == {
        "report.html": "text/html; charset=utf-8",
        "report.csv": "text/csv; charset=utf-8",
        "utilization.png": "image/png",
        "heatmap.png": "image/png",
    }


def test_the_email_is_well_formed_with_related_images(week_hub: Hub) -> None:
    built = build(week_hub, "daily")
    message = report_email(built, sender="Quorum <quorum@example.org>", to=["fm@example.org"])
    parsed = message_from_bytes(bytes(message), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    assert parsed["Subject"] == "Room utilization, daily: 2026-01-05"
    assert parsed["To"] == "fm@example.org" and parsed["Message-ID"]
    assert parsed.get_content_type() == "multipart/mixed"
    tree = [part.get_content_type() for part in parsed.walk()]
    assert tree == [
        "multipart/mixed", "multipart/alternative", "text/plain", "multipart/related",
        "text/html", "image/png", "image/png", "text/csv",
    ]  # fmt: skip
    html_part = parsed.get_body(preferencelist=("html",))
    assert html_part is not None
    html = html_part.get_content()
    images = [p for p in parsed.walk() if p.get_content_type() == "image/png"]
    cids = {p["Content-ID"].strip().strip("<>") for p in images}
    sources = {img["src"] for img in html_tables(html).images}
    assert sources == {f"cid:{cid}" for cid in cids}
    for part in images:
        assert png_size(part.get_content()) == SIZE_PX
    plain = parsed.get_body(preferencelist=("plain",))
    assert plain is not None and "Utilization: 33%" in plain.get_content()
    [attachment] = list(parsed.iter_attachments())
    assert attachment.get_filename() == "report.csv"
    assert attachment.get_content().replace("\r\n", "\n") == built.csv().decode().replace(
        "\r\n", "\n"
    )
