"""The reports API through the real app: formats, roles, department scoping, bad input."""

import csv
import io
from collections.abc import Iterator

import pytest
from api_world import Hub
from report_checks import html_tables, png_size

from hub.reports.charts import SIZE_PX

MEMBER, ENGINEERING, EXEC = "member-engineering", "facilities-engineering", "facilities-exec"


@pytest.fixture(scope="module")
def api_hub(week_hub: Hub) -> Iterator[Hub]:
    week_hub.add_user(MEMBER, "member", "engineering")
    week_hub.add_user(EXEC, "facilities", "exec")
    yield week_hub


def csv_of(hub: Hub, path: str, user: str = "admin", **params: str) -> list[dict[str, str]]:
    response = hub.get(path, user, params={"format": "csv", **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith("attachment;")
    return list(csv.DictReader(io.StringIO(response.text)))


def rooms_in(rows: list[dict[str, str]]) -> set[str]:
    return {r["space_id"] for r in rows if r["space_kind"] == "room"}


def test_members_may_not_have_reports(api_hub: Hub) -> None:
    for path in ("/reports", "/reports/daily", "/reports/runs/1/report.html"):
        response = api_hub.get(path, MEMBER)
        assert response.status_code == 403, response.text


def test_csv_on_demand_with_the_fixture_figures(api_hub: Hub) -> None:
    rows = csv_of(api_hub, "/reports/daily", date="2026-01-05")
    aurora = next(r for r in rows if r["space_id"] == "hq-f1-aurora")
    assert (aurora["booked_hours"], aurora["occupied_hours"], aurora["utilization_pct"]) == (
        "2.42", "2.00", "20.0"
    )  # fmt: skip
    assert (aurora["no_shows"], aurora["abandoned"]) == ("1", "1")
    # Without a date: the last whole period at the hub's clock (Tuesday 2026-01-06, Berlin).
    assert csv_of(api_hub, "/reports/daily")[0]["first_date"] == "2026-01-05"
    weekly = csv_of(api_hub, "/reports/weekly")
    assert (weekly[0]["first_date"], weekly[0]["last_date"]) == ("2025-12-29", "2026-01-04")
    assert csv_of(api_hub, "/reports/monthly", date="2026-01-20")[0]["last_date"] == "2026-01-31"


def test_facilities_get_their_department_and_shared_spaces(api_hub: Hub) -> None:
    engineering = csv_of(api_hub, "/reports/daily", ENGINEERING, date="2026-01-05")
    assert rooms_in(engineering) == {"hq-f1-aurora", "hq-f1-borealis", "hq-f2-east"}
    page = api_hub.get("/reports/daily", ENGINEERING, params={"date": "2026-01-05"})
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    assert "Cosmos" not in page.text and "Aurora" in page.text
    summary = {r[0]: r[1] for r in html_tables(page.text).rows if len(r) == 2}
    assert summary["Utilization (used / known working time)"] == "20%"
    exec_rows = csv_of(api_hub, "/reports/daily", EXEC, date="2026-01-05")
    assert rooms_in(exec_rows) == {"hq-f1-aurora", "hq-f1-borealis", "hq-f2-cosmos"}


def test_scope_narrows_within_what_the_caller_may_see(api_hub: Hub) -> None:
    floor2 = csv_of(api_hub, "/reports/daily", ENGINEERING, date="2026-01-05",
                    scope="floor:hq-main-f2")  # fmt: skip
    assert rooms_in(floor2) == {"hq-f2-east"}
    site = csv_of(api_hub, "/reports/daily", date="2026-01-05", scope="site:hq")
    assert len(rooms_in(site)) == 4
    hidden = api_hub.get("/reports/daily", ENGINEERING, params={"scope": "floor:hq-main-f9"})
    assert hidden.status_code == 404
    assert "floor 'hq-main-f9' not found" in hidden.json()["detail"]


def test_png_charts(api_hub: Hub) -> None:
    for chart in ("utilization", "heatmap"):
        response = api_hub.get("/reports/weekly", params={"format": "png", "chart": chart})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "image/png"
        assert png_size(response.content) == SIZE_PX


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/reports/yearly", {}),
        ("/reports/daily", {"date": "2026-13-01"}),
        ("/reports/daily", {"date": "yesterday"}),
        ("/reports/daily", {"date": "9999-12-31"}),
        ("/reports/daily", {"format": "pdf"}),
        ("/reports/daily", {"format": "png", "chart": "pie"}),
        ("/reports/daily", {"scope": "room:hq-f1-aurora"}),
        ("/reports", {"period": "hourly"}),
        ("/reports/runs/0/report.html", {}),
        ("/reports/runs/1/../../etc", {}),
    ],
)
def test_bad_input_is_a_clear_422(api_hub: Hub, path: str, params: dict[str, str]) -> None:
    response = api_hub.get(path, params=params)
    assert response.status_code == 422, response.text
    assert response.json()["detail"]
