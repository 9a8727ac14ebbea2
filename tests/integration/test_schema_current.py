"""A daemon's start skips Alembic (and its memory) only when the schema really stands at every head."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from station.store.db import make_engine, schema_is_current, upgrade
from tests.conftest import _clean_pg


def test_schema_current_only_at_every_head(tmp_path: Path, database_url: str) -> None:
    if "postgresql" in database_url:
        _clean_pg(database_url)
        url = database_url
    else:
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
    engine = make_engine(url)
    try:
        assert not schema_is_current(engine)  # empty database: Alembic must run
        upgrade(engine)
        assert schema_is_current(engine)
        with engine.begin() as c:  # a revision this code does not know (a newer station migrated it)
            c.execute(text("INSERT INTO alembic_version (version_num) VALUES ('9999_future')"))
        assert not schema_is_current(engine)
        with engine.begin() as c:
            c.execute(text("DELETE FROM alembic_version WHERE version_num = '0007_admin'"))
            c.execute(text("DELETE FROM alembic_version WHERE version_num = '9999_future'"))
        assert not schema_is_current(engine)  # one branch behind
    finally:
        engine.dispose()
