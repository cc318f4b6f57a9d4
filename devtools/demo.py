"""The demo: a broker, the hub and one simulated terminal per file in firmware_configs/.

    python -m devtools.demo            (or ./dev demo)

Each terminal replays a realistic day from a scenario (meetings, a no-show, people sitting
still, long empty spells) faster than real time, starting on the previous working day,
until its clock reaches the present; from then on it runs live. Terminal clocks never run
ahead of real time, so every timestamp the hub stores is a plausible one.

Uses Mosquitto when it is installed (installing it from the distribution's packages when
run as root); otherwise the embedded amqtt broker, which speaks MQTT 3.1.1 only (reduced
mode: no MQTT 5 reason codes; everything in the demo still works). Ctrl-C stops it all.
"""

import json
import secrets
import shutil
import signal
import sys
import time
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType
from zoneinfo import ZoneInfo

import typer

from contract.config_loader import load_terminal_config
from devtools import demo_bookings, demo_speech
from devtools.broker import BrokerUnavailable, start_local_broker
from devtools.processes import ROOT, Child, start_hub, start_terminal

# Which shipped scenario each example terminal plays (see edge/scenarios/).
SCENARIOS = {
    "hq-f1-aurora": "meeting_room_day",
    "hq-f1-borealis": "huddle_room_day",
    "hq-f2-cosmos": "boardroom_day",
    "hq-f2-east-desks": "desk_cluster_day",
}
DEFAULT_SCENARIO = "meeting_room_day"

app = typer.Typer(add_completion=False, help=__doc__)


def replay_start(now: datetime, timezone: str) -> datetime:
    """07:00 local on the previous working day (Mon-Fri), so the replay shows a full day."""
    local = now.astimezone(ZoneInfo(timezone))
    day = local.date() - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return datetime(day.year, day.month, day.day, 7, 0, tzinfo=ZoneInfo(timezone))


@app.command()
def main(
    port: int = typer.Option(8080, help="Port of the hub's API (0: any free port)."),
    speed: float = typer.Option(240.0, help="How much faster than real time the replay runs."),
    configs: Path = typer.Option(ROOT / "firmware_configs", help="Terminal configuration files."),
    workdir: Path = typer.Option(ROOT / "var" / "demo", help="Database, logs and broker files."),
    keep_data: bool = typer.Option(False, help="Keep the database of the previous demo run."),
    duration: float = typer.Option(0, help="Stop after this many seconds (0: run until Ctrl-C)."),
) -> None:
    if workdir.exists() and not keep_data:
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    stopping = False

    def on_signal(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    try:
        broker = start_local_broker(workdir / "broker", install=True)
    except BrokerUnavailable as exc:
        typer.echo(f"could not start a broker: {exc}", err=True)
        raise typer.Exit(1) from None
    if broker.kind == "amqtt":
        typer.echo(
            "Mosquitto is not installed: using the embedded broker (MQTT 3.1.1, reduced mode).",
            err=True,
        )
    children: list[Child] = []
    try:
        passwords = {"admin": _password(), STAFF_USER: _password()}
        hub = start_hub(
            broker,
            workdir,
            configs_dir=configs,
            port=port or None,
            extra_env={
                "QUORUM_CHECKIN_LATE_WINDOW_H": demo_bookings.LATE_WINDOW_H,
                "QUORUM_BOOTSTRAP_PASSWORD": passwords["admin"],
            },
        )
        children.append(hub.child)
        _add_staff(hub.url, hub.admin_token, passwords[STAFF_USER])
        now = datetime.now().astimezone()
        no_show_at = None
        no_show_config = configs / f"{demo_bookings.NO_SHOW_ROOM}.yaml"
        if no_show_config.exists():
            timezone = load_terminal_config(no_show_config).room.timezone
            no_show_at = demo_bookings.book_no_show(hub.database_url, now, timezone)
        aurora = configs / f"{demo_bookings.AURORA}.yaml"
        if aurora.exists():  # the example organisation: book the day Aurora replays
            timezone = load_terminal_config(aurora).room.timezone
            demo_bookings.book_replayed_day(hub.database_url, replay_start(now, timezone))
        # Aurora's terminal takes minutes from a spoken meeting when asked (no microphone).
        meeting = demo_speech.make_meeting_audio(workdir / "aurora-meeting.wav")
        for config_path in sorted(configs.glob("*.yaml")):
            config = load_terminal_config(config_path)
            scenario = SCENARIOS.get(config_path.stem, DEFAULT_SCENARIO)
            start = replay_start(now, config.room.timezone)
            if config_path.stem == demo_bookings.NO_SHOW_ROOM:
                start = now - demo_bookings.NO_SHOW_REPLAY  # up to now in seconds
            speech = (
                ["--speech-from", str(meeting)]
                if meeting is not None and config_path.stem == demo_bookings.AURORA
                else []
            )
            children.append(
                start_terminal(
                    config_path,
                    broker,
                    workdir,
                    scenario=scenario,
                    speed=speed,
                    start=start.isoformat(),
                    prefix="quorum",
                    extra=speech,
                )
            )
        _banner(
            hub.url, hub.admin_token, broker.kind, broker.port, len(children) - 1, speed, workdir
        )
        if meeting is not None:
            _minutes_banner(hub.url, hub.admin_token, demo_bookings.AURORA)
        _dashboard_banner(hub.url, passwords, no_show_at)
        print("\nPress Ctrl-C to stop.", flush=True)
        deadline = time.monotonic() + duration if duration > 0 else None
        while not stopping and (deadline is None or time.monotonic() < deadline):
            for child in children:
                if not child.alive():
                    typer.echo(f"{child.name} stopped unexpectedly:\n{child.log_tail()}", err=True)
                    stopping = True
            time.sleep(0.5)
    finally:
        typer.echo("stopping ...", err=True)
        for child in reversed(children):  # terminals first, so they say goodbye to the broker
            child.terminate()
        broker.stop()
    typer.echo("demo stopped.", err=True)


def _banner(
    url: str, token: str, broker: str, broker_port: int, terminals: int, speed: float, workdir: Path
) -> None:
    print(
        f"""
Quorum demo is running.
  hub API        {url}/api/v1     (interactive docs: {url}/docs)
  admin token    {token}
  broker         {broker} on 127.0.0.1:{broker_port}
  terminals      {terminals} simulated, replaying the last working day {speed:g}x fast, then live
  logs           {workdir}/

Try:
  curl -s -H "Authorization: Bearer {token}" {url}/api/v1/rooms
  curl -s -H "Authorization: Bearer {token}" "{url}/api/v1/utilization?group_by=room"
  curl -sN -H "Authorization: Bearer {token}" {url}/api/v1/stream
  curl -s -H "Authorization: Bearer {token}" {url}/api/v1/decisions
      (Aurora's bookings of the replayed day: checked in as people arrive, and a
       no-show released at 14:10 replay time, about two minutes in, with its reasons)""",
        flush=True,
    )


STAFF_USER = "fran"


def _password() -> str:
    return secrets.token_urlsafe(12)


def _add_staff(url: str, token: str, password: str) -> None:
    """A facilities account (department exec) to sign in to the dashboard with."""
    for method, path, body in (
        (
            "POST",
            "/users",
            {
                "id": STAFF_USER,
                "display_name": "Fran (facilities)",
                "role": "facilities",
                "department_id": "exec",
            },
        ),
        ("PUT", f"/users/{STAFF_USER}/password", {"password": password}),
    ):
        request = urllib.request.Request(
            f"{url}/api/v1{path}", data=json.dumps(body).encode(), method=method
        )
        request.add_header("Authorization", f"Bearer {token}")
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=30):
            pass


def _dashboard_banner(url: str, passwords: dict[str, str], no_show_at: datetime | None) -> None:
    accounts = "\n".join(
        f"    {user:<8} password {password}" for user, password in passwords.items()
    )
    watch = ""
    if no_show_at is not None:
        minutes = max(0, round((no_show_at - datetime.now().astimezone()).total_seconds() / 60))
        watch = (
            f"\n  Borealis is booked now and nobody comes: its tile turns from 'Booked' to "
            f"'No-show, released'\n  at {no_show_at:%H:%M} (in about {minutes} min; the view "
            "reads bookings every 30 s)."
        )
    print(
        f"""
Dashboard: open {url}/ and sign in (facilities staff: {STAFF_USER}; everything: admin)
{accounts}{watch}
  Door display: {url}/display/hq-f1-aurora   Analytics: {url}/analytics""",
        flush=True,
    )


def _minutes_banner(url: str, token: str, room: str) -> None:
    auth = f'-H "Authorization: Bearer {token}"'
    print(
        f"""
Minutes: the {room} terminal transcribes a spoken one-minute meeting (instead of a
microphone) when the hub asks it to; the text reaches the hub in a few seconds:
  curl -s {auth} -H "Content-Type: application/json" -d '{{"action": "start"}}' \\
       {url}/api/v1/rooms/{room}/minutes
  curl -s {auth} {url}/api/v1/rooms/{room}/minutes/sessions
  curl -s {auth} {url}/api/v1/minutes/sessions/SESSION/transcript""",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(app())
