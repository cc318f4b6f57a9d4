"""Labelled occupancy sessions (issue 8, step 4): what really happens in a room, minute by minute,
and the sensor signals it would produce. ``schema`` is the file format, ``truth`` the ground
truth, ``levels``/``counters`` the sensor models (numbers in ``physics``), ``play`` the Signal
stream. Shipped sessions are in ``library/``; docs/occupancy-sessions.md describes them."""

from edge.fusion.sessions.loader import (
    LoadedSession,
    SessionError,
    load_library,
    load_session,
    parse_session,
    shipped_sessions,
)
from edge.fusion.sessions.play import Played, play, terminal_config

__all__ = [
    "LoadedSession",
    "Played",
    "SessionError",
    "load_library",
    "load_session",
    "parse_session",
    "play",
    "shipped_sessions",
    "terminal_config",
]
