"""Scenarios shipped with the terminal, for ``--simulate NAME`` (docs/scenarios.md)."""
