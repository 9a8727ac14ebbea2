"""A daemon's start skips Alembic (and its memory) only when the schema really stands at every head."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from station.store.db import make_engine, schema_is_current, upgrade
from tests.support.databases import fresh_pg_database


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database no migration has touched (the suite's shared PostgreSQL database is already migrated)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    with fresh_pg_database("station_fresh") as url:
        yield url


def test_schema_current_only_at_every_head(empty_database: str) -> None:
    engine = make_engine(empty_database)
    try:
        assert not schema_is_current(engine)  # empty database: Alembic must run
        upgrade(engine)
        assert schema_is_current(engine)
        with engine.begin() as c:  # a revision this code does not know (a newer station migrated it)
            c.execute(text("INSERT INTO alembic_version (version_num) VALUES ('9999_future')"))
        assert not schema_is_current(engine)
        with engine.begin() as c:
            c.execute(text("DELETE FROM alembic_version WHERE version_num = '0002_auth'"))
            c.execute(text("DELETE FROM alembic_version WHERE version_num = '9999_future'"))
        assert not schema_is_current(engine)  # one branch behind
    finally:
        engine.dispose()


def test_daemon_migrates_in_a_child_and_never_imports_alembic(empty_database: str) -> None:
    """`station run` migrates a new database through `upgrade_in_child`: the schema ends current, and the
    process that called it (the daemon) has not loaded Alembic, which it would otherwise keep all day."""
    probe = ("import os, sys; from station.store.db import upgrade_in_child; "
             "upgrade_in_child(os.environ['URL']); print('alembic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], env={**os.environ, "URL": empty_database},
                         capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "False"
    engine = make_engine(empty_database)
    try:
        assert schema_is_current(engine)
    finally:
        engine.dispose()
