"""Encryption at rest in the hub's database (docs/security.md, "Encryption at rest").

Meeting content is sealed with a key per meeting (:mod:`.keys`), wrapped by the master key
(:mod:`.provider`); ORM attributes seal on flush and open on load (:mod:`.fields`).
"""
