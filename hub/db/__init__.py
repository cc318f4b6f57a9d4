"""The hub's SQL store: ORM models, engine and session set-up, migrations."""
