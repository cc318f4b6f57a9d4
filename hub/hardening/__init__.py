"""Hardening of the hub's web side and its logs (docs/security.md, "Retention, k-anonymity
and hardening"): request body limits (:mod:`.body_limit`), security headers
(:mod:`.headers`), admin-only API docs (:mod:`.docs`), all put on the app by
:mod:`.install`; and secrets kept out of every log line (:mod:`.redact`)."""
