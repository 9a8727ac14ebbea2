"""Shared fixtures: settings in a temporary data dir, a manual clock, SQLite and PostgreSQL stores."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from station.app import Station
from station.clock import ManualClock
from station.config import StationSettings, load_settings
from station.domain.timezone import TOKYO
from tests.pcsc_fixtures import (  # noqa: F401 - fixtures for the card reader tests
    card_events,
    card_reader,
    pcscd_service,
    vpcd_card,
    vpcd_reader,
    vpcd_slot,
)

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_CONFIG = REPO / "config" / "station.example.toml"
PG_ADMIN_URL = os.environ.get("STATION_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
# A Tuesday, mid-morning: the office is open.
OPEN_TIME = datetime(2026, 12, 1, 10, 0, tzinfo=TOKYO)


def make_settings(tmp_path: Path, database_url: str = "", **overrides: object) -> StationSettings:
    s = load_settings(EXAMPLE_CONFIG, tmp_path / "data", **overrides)
    s.database_url = database_url
    for dev in (s.devices.printer, s.devices.button, s.devices.scanner, s.devices.card_reader):
        dev.connection = "none"
    if "security" not in overrides:  # logins, roles and CSRF have their own tests (tests/*/test_auth*)
        s.security.require_login = False
    return s


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """One throwaway PostgreSQL database for the test run, dropped at the end."""
    name = f"station_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", pool_pre_ping=True)  # survives a PG restart
    try:
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as e:  # the machine's PostgreSQL is part of the test environment
        pytest.fail(f"PostgreSQL at 127.0.0.1:5432 is not reachable ({e}); start it with "
                    "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _clean_pg(url: str) -> None:
    eng = create_engine(url)
    with eng.begin() as c:
        exists = c.execute(text("SELECT to_regclass('tickets')")).scalar()
        if exists:
            tables = [r[0] for r in c.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename <> 'alembic_version'"))]
            c.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    eng.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'station.db'}"
    url = request.getfixturevalue("pg_database")
    _clean_pg(url)
    return url


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(OPEN_TIME)


@pytest.fixture
def settings(tmp_path: Path) -> StationSettings:
    return make_settings(tmp_path)


@pytest.fixture
def station(settings: StationSettings, clock: ManualClock) -> Iterator[Station]:
    """A station on SQLite without devices (the queue and API alone)."""
    st = Station(settings, clock=clock, with_devices=False)
    st.start()
    yield st
    st.stop()


@pytest.fixture
def any_station(tmp_path: Path, database_url: str, clock: ManualClock) -> Iterator[Station]:
    """The same station on SQLite and on PostgreSQL."""
    st = Station(make_settings(tmp_path, database_url), clock=clock, with_devices=False)
    st.start()
    yield st
    st.stop()


@pytest.fixture
def pg_station(tmp_path: Path, pg_database: str, clock: ManualClock) -> Iterator[Station]:
    """A station on PostgreSQL only, for what only PostgreSQL's locking can show."""
    _clean_pg(pg_database)
    st = Station(make_settings(tmp_path, pg_database), clock=clock, with_devices=False)
    st.start()
    yield st
    st.stop()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that restart the machine's PostgreSQL run last, so nothing else meets the restart."""
    items.sort(key=lambda item: item.get_closest_marker("pg_restart") is not None)
