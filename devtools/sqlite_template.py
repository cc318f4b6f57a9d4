"""For the tests (tests/conftest.py): new SQLite databases start as a copy of one migrated
once per test session.

Migrating an empty SQLite file to the newest schema takes about half a second, and hundreds
of tests start a hub on a new file. The first migration to ``head`` is kept as a template and
copied for the others; the copy is then upgraded as usual (nothing left to do). The template
is made by the same migrations, so a copy is the database the migrations would have made.
Files that already exist (tests of a migration from an older schema) are never replaced.
"""

import shutil
from pathlib import Path
from typing import Any

from alembic.config import Config
from sqlalchemy.engine import make_url

import hub.db.migrate as migrate


class TemplateCommand:
    """Stands in for ``alembic.command`` inside :mod:`hub.db.migrate` (only ``upgrade``)."""

    def __init__(self, real: Any, template: Path) -> None:
        self._real = real
        self._template = template

    def upgrade(self, config: Config, revision: str, **kwargs: Any) -> None:
        target = _new_sqlite_file(config)
        if revision == "head" and target is not None:
            if not self._template.exists():
                self._real.upgrade(migrate.alembic_config(f"sqlite:///{self._template}"), "head")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self._template, target)
        self._real.upgrade(config, revision, **kwargs)


def _new_sqlite_file(config: Config) -> Path | None:
    url = make_url(config.get_main_option("sqlalchemy.url") or "")
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    path = Path(url.database)
    fresh = not path.exists() or path.stat().st_size == 0
    return path if fresh else None
