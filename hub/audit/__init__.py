"""The audit log of administrative actions (docs/security.md, "People, tokens and the audit
log"): :func:`record` adds an entry in the caller's transaction; :mod:`hub.audit.query` reads
them back for the API and the CLI."""

from hub.audit.record import record

__all__ = ["record"]
