"""``python -m edge doctor``: is this terminal ready to run? One check per module.

Each check looks at one thing a terminal needs (the microphone, GPIO, the broker and its
credentials, the speech model, a synchronised clock, room for the spool), says what it found
and, for every problem, how to fix it. ``runner`` runs them in a fixed order, ``render``
prints the report, ``cli`` is the command. See docs/operations.md, "Troubleshooting".
"""
