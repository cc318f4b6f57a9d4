"""Retention: every kind of personal data is kept for a period, then deleted by a job.

- :mod:`hub.retention.classes`: the kinds of data, their settings and how each expires;
- :mod:`hub.retention.expire`, :mod:`hub.retention.meetings`: the deletions themselves
  (meetings through hub.minutes.deletion, which also destroys the meeting's key);
- :mod:`hub.retention.run`: one run at a given ``now``, logged in ``retention_runs``;
- :mod:`hub.retention.runner`: the hub's background loop; :mod:`hub.retention.cli`:
  ``python -m hub retention run``;
- :mod:`hub.retention.horizon`: where the retained raw occupancy begins (for the rollups).

Periods and why: docs/security.md, "Retention, k-anonymity and hardening". Nothing is
imported here, so hub.analytics can use the horizon without loading the rest.
"""
