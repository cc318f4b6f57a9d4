"""``python -m hub audit list``: the audit log on the hub's machine, newest first.

Output per GUIDE section 10: a table for people, or with ``--json`` one JSON object
``{"total": n, "entries": [...]}`` (the shape of ``GET /api/v1/audit``'s items, times
ISO-8601 with offset); exit 1 for a bad ``--since``/``--until``.
"""

import json
from datetime import datetime
from typing import Annotated

import typer

from hub.audit.query import AuditFilter, count_entries, entry_dict, list_entries
from hub.db.engine import one_session

audit_app = typer.Typer(help="The audit log of administrative actions.", no_args_is_help=True)


def _time(text: str | None, option: str) -> datetime | None:
    from hub.timeseries.cli import parse_since  # YYYY-MM-DD or ISO-8601 with an offset

    if text is None:
        return None
    try:
        return parse_since(text)
    except ValueError as error:
        raise ValueError(str(error).replace("--since", option)) from None


@audit_app.command("list")
def list_command(
    actor: Annotated[str | None, typer.Option(help='Only this actor, e.g. "user:ana".')] = None,
    action: Annotated[
        str | None, typer.Option(help='Only this action, or a prefix ending in "." ("user.").')
    ] = None,
    target: Annotated[str | None, typer.Option(help='Only this target, e.g. "user:bob".')] = None,
    since: Annotated[
        str | None, typer.Option(help="From this date (YYYY-MM-DD, UTC) or ISO-8601 time.")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Before this date or time.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10000, help="At most this many.")] = 100,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many (newest first).")] = 0,
    json_output: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Administrative actions, newest first."""
    from hub.cli import fail, prepared_settings  # the hub's CLI helpers (no import cycle)

    try:
        wanted = AuditFilter(
            actor=actor,
            action=action,
            target=target,
            since=_time(since, "--since"),
            until=_time(until, "--until"),
        )
    except ValueError as error:
        fail(str(error))
    settings = prepared_settings()
    with one_session(settings.database_url) as session:
        total = count_entries(session, wanted)
        entries = [entry_dict(e) for e in list_entries(session, wanted, limit=limit, offset=offset)]
    if json_output:
        print(json.dumps({"total": total, "entries": entries}, ensure_ascii=False))
        return
    if not entries:
        print("no audit entries match")
        return
    for entry in entries:
        details = json.dumps(entry["details"], ensure_ascii=False, sort_keys=True)
        where = f" from {entry['address']}" if entry["address"] else ""
        print(
            f"{entry['at']}  {entry['actor']}{where}  {entry['action']}  {entry['target']}  "
            f"{details}"
        )
    if total > offset + len(entries):
        print(f"({total - offset - len(entries)} older; use --offset {offset + len(entries)})")
