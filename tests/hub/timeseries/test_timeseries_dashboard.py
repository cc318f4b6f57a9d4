"""The Grafana dashboard in deploy/grafana parses and asks for what the exporter writes."""

import json
import re
from pathlib import Path
from typing import Any

from hub.timeseries.points import MEASUREMENT_FIELDS

DASHBOARD = Path(__file__).resolve().parents[3] / "deploy" / "grafana" / "quorum-occupancy.json"
TAGS = {"space_kind", "space_id", "device_id", "room_id", "floor_id", "building_id", "site_id"}
# Columns every Flux table has, besides the tags.
FLUX_COLUMNS = {"_measurement", "_field", "_value", "_time", "_start", "_stop"}


def queries(dashboard: dict[str, Any]) -> list[str]:
    found = [t["query"] for p in dashboard["panels"] for t in p.get("targets", [])]
    found += [v["query"] for v in dashboard["templating"]["list"] if v["type"] == "query"]
    return found


def test_dashboard_is_json_with_distinct_panels_on_an_influxdb_flux_source() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dashboard["panels"]:
        assert panel["datasource"]["type"] == "influxdb"
        assert panel["targets"], panel["title"]
    titles = {p["title"] for p in dashboard["panels"]}
    assert {"Occupancy per room", "Utilization per room and day", "Terminals online"} <= titles


def test_queries_name_measurements_fields_and_tags_the_exporter_writes() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    used: set[tuple[str, str]] = set()
    for query in queries(dashboard):
        for measurement, field in re.findall(
            r'r\._measurement == "(\w+)" and r\._field == "(\w+)"', query
        ):
            assert field in MEASUREMENT_FIELDS.get(measurement, ()), (measurement, field)
            used.add((measurement, field))
        for column in re.findall(r"\br\.(\w+)", query):
            assert column in TAGS | FLUX_COLUMNS, column
        for tag in re.findall(r'tag: "(\w+)"', query):
            assert tag in TAGS
    assert {m for m, _ in used} == set(MEASUREMENT_FIELDS)
    assert {
        ("occupancy", "occupied"),
        ("device_status", "online"),
        ("utilization_daily", "utilization"),
        ("people_daily", "median"),
    } <= used
