"""Look at the session library: ``python -m edge.fusion.sessions`` lists the sessions;
``python -m edge.fusion.sessions NAME|FILE [--seed N] [--json]`` shows one minute by minute:
the true count, and what each sensor said in that minute (seconds a level was on, the last
reading of a counter or CO2). Exit 1 for a session that cannot be loaded, 2 for wrong usage."""

import argparse
import json
import sys
from typing import Any

from edge.fusion.sessions.loader import SessionError, load_session, shipped_sessions
from edge.fusion.sessions.play import Played, play
from edge.fusion.signals import Signal

_READINGS = frozenset({"co2", "count"})


def minute_table(played: Played) -> list[dict[str, Any]]:
    """Per minute: its truth and, per source, on-seconds (levels) or the last reading."""
    duration = played.loaded.truth.duration_s
    by_source: dict[str, list[Signal]] = {}
    for signal in played.signals:
        by_source.setdefault(signal.source, []).append(signal)
    rows: list[dict[str, Any]] = [
        {"minute": m.minute, "count": m.count, "sensors": {}} for m in played.loaded.truth.minutes()
    ]
    for source, signals in by_source.items():
        if signals[0].kind in _READINGS:
            for signal in signals:
                minute = int(signal.at // 60)
                if minute < len(rows):
                    rows[minute]["sensors"][source] = signal.value
            continue
        level, changes = 0.0, iter(signals)
        change = next(changes, None)
        for t in range(duration):
            while change is not None and change.at <= t:
                level, change = change.value, next(changes, None)
            if t // 60 < len(rows):
                on = rows[t // 60]["sensors"]
                on[source] = on.get(source, 0) + int(level >= 0.5)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m edge.fusion.sessions", description=__doc__)
    parser.add_argument("session", nargs="?", help="a shipped session's name or a file")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="one JSON document on stdout")
    args = parser.parse_args(argv)
    try:
        names = [args.session] if args.session else shipped_sessions()
        loaded = [load_session(name) for name in names]
    except SessionError as exc:
        print(exc, file=sys.stderr)
        return 1
    if not args.session:
        listing = {s.name: " ".join(s.session.description.split()) for s in loaded}
        if args.json:
            print(json.dumps(listing))
        else:
            for name, description in listing.items():
                print(f"{name:<28} {description}")
        return 0
    played = play(loaded[0], args.seed)
    rows = minute_table(played)
    if args.json:
        print(json.dumps({"session": played.name, "seed": args.seed, "minutes": rows}))
        return 0
    sources = sorted({s for row in rows for s in row["sensors"]})
    print(f"{played.name} (seed {args.seed}): per minute, on-seconds of levels, last readings")
    print(f"{'min':>4} {'people':>6} " + " ".join(f"{s[:10]:>10}" for s in sources))
    for row in rows:
        cells = " ".join(f"{row['sensors'].get(s, ''):>10}" for s in sources)
        print(f"{row['minute']:>4} {row['count']:>6} {cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
