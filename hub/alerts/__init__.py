"""Alerts: threshold rules over what the hub knows, deduplicated and resolved (docs/alerts.md).

- ``config``: the rules' thresholds (from settings) and their names and severities;
- ``facts``: what the rules look at, as plain values; ``gather`` reads them from the store;
- ``evaluate``: the rules, a pure function of (facts, now, config) giving findings;
- ``reconcile``: findings against the open alerts, a pure function giving a plan
  (open, touch, start hold-down, resolve);
- ``store``: carries a plan out in one transaction, with outbox notices and live events;
- ``runner``: the background loop the hub's lifespan starts.
"""
