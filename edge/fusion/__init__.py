"""Occupancy fusion (issue 8): many signals into one probability, a people-count band and the
signals that decided. ``signals`` is the interface; see docs/fusion.md."""
