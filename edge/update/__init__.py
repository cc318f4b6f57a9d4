"""Software updates on the terminal (docs/fleet.md, "Software updates").

``terminal``: the running terminal's part (the hub's command, the health stamp, reports);
``guard``: the separate process that installs, switches, restarts, checks and rolls back;
``layout``, ``files``, ``download``, ``install``, ``service``: what the guard works with.
"""
