"""``python -m hub``: the hub's command line (see hub/cli.py); ``serve`` by default."""

from hub.cli import app

app(prog_name="python -m hub")
