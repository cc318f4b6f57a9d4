"""Secrets never reach the logs: a real ``python -m hub serve`` with known secret values
(MQTT password, master key, time-series token, bearer tokens in requests, a feed token in a
URL, a token in a query string), a database URL with a password, and what stays of them in
everything the process wrote. Plus the redaction rules and ``repr(Settings)`` on their own."""

import json
import logging
import secrets
import subprocess
import sys
import urllib.error
import urllib.request
from base64 import b64encode
from pathlib import Path

import pytest

from devtools.broker import RunningBroker, free_port
from devtools.processes import ROOT, start_hub
from hub.hardening.redact import MARK, RedactingFilter, Redactor
from hub.settings import Settings


def secret(name: str) -> str:
    return f"{name}-{secrets.token_hex(12)}"


def call(url: str, token: str | None = None, body: object = None) -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = None
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_a_running_hub_logs_none_of_its_secrets(tmp_path: Path) -> None:
    mqtt_password = secret("mqtt")
    master_key = b64encode(secrets.token_bytes(32)).decode()
    timeseries_token = secret("influx")
    admin_token = secret("admin")
    nobody = RunningBroker("mosquitto", "127.0.0.1", free_port(), tmp_path, [])  # refuses
    hub = start_hub(
        nobody,
        tmp_path / "hub",
        admin_token=admin_token,
        extra_env={
            "QUORUM_MQTT_USERNAME": "hub",
            "QUORUM_MQTT_PASSWORD": mqtt_password,
            "QUORUM_MASTER_KEY": master_key,
            "QUORUM_TIMESERIES_URL": f"http://127.0.0.1:{free_port()}",
            "QUORUM_TIMESERIES_TOKEN": timeseries_token,
            "QUORUM_TIMESERIES_FLUSH_INTERVAL_S": "0.2",
        },
    )
    try:
        assert call(f"{hub.url}/api/v1/users", admin_token, {
            "id": "fran", "display_name": "Fran", "role": "facilities"})[0] == 201  # fmt: skip
        status, body = call(f"{hub.url}/api/v1/users/fran/tokens", admin_token, {"name": "t"})
        assert status == 201
        staff_token = json.loads(body)["token"]
        wrong_token, query_token, feed_token = secret("wrong"), secret("query"), secret("feed")
        assert call(f"{hub.url}/api/v1/rooms", staff_token)[0] == 200
        assert call(f"{hub.url}/api/v1/rooms?token={query_token}", staff_token)[0] == 200
        assert call(f"{hub.url}/api/v1/rooms", wrong_token)[0] == 401
        assert call(f"{hub.url}/calendar/{feed_token}.ics")[0] == 404
    finally:
        hub.child.terminate()
    log = (tmp_path / "hub" / "hub.log").read_text(errors="replace")

    # The requests were logged (uvicorn's access log), with what identifies them masked.
    assert f"GET /calendar/{MARK}.ics" in log
    assert f"GET /api/v1/rooms?token={MARK}" in log
    for value in (mqtt_password, master_key, timeseries_token, staff_token, wrong_token,
                  query_token, feed_token):  # fmt: skip
        assert value not in log
    # The bootstrap admin's token is printed once on purpose (hub/startup.py), nowhere else.
    assert [line for line in log.splitlines() if admin_token in line] == [
        f"admin token: {admin_token}"
    ]


def test_a_database_password_is_not_shown_when_the_database_is_unreachable(
    tmp_path: Path,
) -> None:
    password = secret("db")
    url = f"postgresql+psycopg://quorum:{password}@127.0.0.1:{free_port()}/quorum"
    done = subprocess.run(
        [sys.executable, "-m", "hub", "db", "upgrade"],
        cwd=ROOT,
        env={"QUORUM_DATABASE_URL": url, "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "cannot connect" in done.stderr or "cannot bring" in done.stderr, done.stderr
    assert password not in done.stdout + done.stderr


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("Authorization: Bearer abc.DEF-123_x", f"Authorization: Bearer {MARK}"),
        ("postgresql://quorum:hunter2hunter@db:5432/q", f"postgresql://quorum:{MARK}@db:5432/q"),
        ('"GET /calendar/Zx9_-a.ics HTTP/1.1" 404', f'"GET /calendar/{MARK}.ics HTTP/1.1" 404'),
        ("GET /x?user=ann&password=p4ss&next=/", f"GET /x?user=ann&password={MARK}&next=/"),
        ("refresh_token=r3fr3sh", f"refresh_token={MARK}"),
        ("nothing secret here", "nothing secret here"),
    ],
)
def test_credential_patterns_are_masked_whatever_their_value(line: str, shown: str) -> None:
    assert Redactor().redact(line) == shown


def test_known_values_are_masked_in_messages_arguments_and_tracebacks() -> None:
    redactor = Redactor()
    redactor.add(["s3cret-value", "short"])  # too short to search for: left alone
    record = logging.LogRecord("t", logging.ERROR, __file__, 1, "connect %s as %s: %d", None,
                               None)  # fmt: skip
    record.args = ("mqtt://hub@broker", "s3cret-value", 3)
    try:
        raise ValueError("login with s3cret-value failed")
    except ValueError:
        record.exc_info = sys.exc_info()
    RedactingFilter(redactor).filter(record)
    assert record.getMessage() == f"connect mqtt://hub@broker as {MARK}: 3"
    assert "s3cret-value" not in (record.exc_text or "") and MARK in (record.exc_text or "")
    assert redactor.redact("a short word") == "a short word"


def test_settings_repr_hides_secrets() -> None:
    settings = Settings(
        _env_file=None,
        database_url="postgresql://quorum:hunter2hunter@db/q",
        mqtt_password="mqtt-password-1",
        bootstrap_token="bootstrap-token-1",
        timeseries_token="influx-token-1",
    )
    shown = repr(settings) + str(settings)
    for value in ("hunter2hunter", "mqtt-password-1", "bootstrap-token-1", "influx-token-1"):
        assert value not in shown
    assert settings.broker_address().password == "mqtt-password-1"  # still usable
