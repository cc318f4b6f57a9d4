"""Encryption at rest shared by the hub and the terminal (docs/security.md, "Encryption at
rest"): AES-256-GCM envelopes (:mod:`.envelope`) and master keys that wrap data keys
(:mod:`.master_keys`)."""
