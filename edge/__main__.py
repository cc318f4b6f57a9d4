"""``python -m edge``: the room terminal's command line (see edge/cli.py)."""

from edge.cli import app

app(prog_name="python -m edge")
