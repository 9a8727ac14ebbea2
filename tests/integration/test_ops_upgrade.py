"""Upgrading: a database of the first release's schema (migration 0001) with a day of data is refused by
today's daemon, upgraded once by `station db upgrade`, keeps every row, and serves on; a database of a newer
release is refused by the daemon, by `station db upgrade` (no downgrades) and by `station ops schema`."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from station.app import Station
from station.cli import app
from station.clock import ManualClock
from station.domain.calendar import TOKYO
from station.domain.queue import CounterState
from station.ops import schema
from station.store.db import make_engine, upgrade
from tests.conftest import EXAMPLE_CONFIG, make_settings
from tests.support.databases import fresh_pg_database

runner = CliRunner()
DAY = dt.date(2026, 12, 1)
T0 = dt.datetime(2026, 12, 1, 8, 30, tzinfo=TOKYO)
FIRST_RELEASE_TABLES = {
    "counters": "id, state, updated_at",
    "daily_sequences": "business_date, category, last_seq",
    "tickets": "id, business_date, category, seq, number, state, source, token, issued_at, called_at, started_at, "
               "finished_at, counter_id, target_counter_id, recall_count, transfer_count, original_category",
    "ticket_prints": "ticket_id, printed, error, count, updated_at",
    "audit_log": "id, at, actor, action, target, detail, client, ticket_id",
}


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old' / 'station.db'}"
        return
    with fresh_pg_database("station_upgrade") as url:
        yield url


def first_release_day(url: str) -> None:
    """The schema of migration 0001 and a day at three counters written as that release wrote it."""
    engine = make_engine(url)
    upgrade(engine, "0001")
    states = ["done"] * 30 + ["no_show"] * 3 + ["cancelled"] * 2 + ["serving", "called"] + ["waiting"] * 6
    seq: dict[str, int] = {}
    with engine.begin() as c:  # ids come from the database, as that release let them (sequences move on)
        for cid, st in ((1, "open"), (2, "paused"), (3, "closed")):
            c.execute(text("INSERT INTO counters (id, state, updated_at) VALUES (:i, :s, :t)"),
                      {"i": cid, "s": st, "t": T0})
        for i, state in enumerate(states, start=1):
            cat = "ABCD"[i % 4]
            seq[cat] = seq.get(cat, 0) + 1
            issued = T0 + dt.timedelta(minutes=5 * i)
            called = issued + dt.timedelta(minutes=12) if state not in ("waiting", "cancelled") else None
            started = called + dt.timedelta(minutes=1) if state in ("done", "serving") and called else None
            finished = started + dt.timedelta(minutes=9) if state == "done" and started else None
            c.execute(text(
                "INSERT INTO tickets (business_date, category, seq, number, state, source, token, issued_at, "
                "called_at, started_at, finished_at, counter_id, target_counter_id, recall_count, transfer_count, "
                "original_category) VALUES (:d, :cat, :seq, :num, :state, :src, :tok, :iss, :cal, :sta, :fin, "
                ":cid, NULL, :rc, 0, NULL)"),
                {"d": DAY, "cat": cat, "seq": seq[cat], "num": f"{cat}{seq[cat]:03d}", "state": state,
                 "src": "button" if i % 2 else "kiosk", "tok": uuid.uuid4().hex, "iss": issued, "cal": called,
                 "sta": started, "fin": finished, "cid": (i % 2) + 1 if called else None,
                 "rc": 2 if state == "no_show" else 0})
            c.execute(text("INSERT INTO ticket_prints (ticket_id, printed, error, count, updated_at) "
                           "VALUES (:i, :p, :e, 1, :t)"),
                      {"i": i, "p": i % 9 != 0, "e": None if i % 9 else "paper out", "t": issued})
            c.execute(text("INSERT INTO audit_log (at, actor, action, target, detail, client, ticket_id) "
                           "VALUES (:t, 'button', 'issue', :n, '', '127.0.0.1', :i)"),
                      {"t": issued, "n": f"{cat}{seq[cat]:03d}", "i": i})
        for cat, n in seq.items():
            c.execute(text("INSERT INTO daily_sequences (business_date, category, last_seq) VALUES (:d, :c, :n)"),
                      {"d": DAY, "c": cat, "n": n})
    engine.dispose()


def first_release_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = make_engine(url)
    try:
        with engine.connect() as c:
            return {t: [tuple(r) for r in c.execute(text(f"SELECT {cols} FROM {t} ORDER BY 1, 2"))]
                    for t, cols in FIRST_RELEASE_TABLES.items()}
    finally:
        engine.dispose()


def state_of(url: str) -> schema.SchemaCheck:
    engine = make_engine(url)
    try:
        return schema.check(engine)
    finally:
        engine.dispose()


def test_upgrade_from_the_first_release_keeps_the_day(tmp_path: Path, empty_database: str) -> None:
    url = empty_database
    first_release_day(url)
    before = first_release_rows(url)
    assert state_of(url).state == "older" and state_of(url).database == {"0001"}
    env = {"STATION_DATABASE_URL": url}
    base = ["--config", str(EXAMPLE_CONFIG)]

    refused = runner.invoke(app, [*base, "run", "--data-dir", str(tmp_path / "d"), "--port", "9"], env=env)
    assert refused.exit_code == 2, refused.output
    assert "station db upgrade" in refused.output and "older than this release" in refused.output
    assert state_of(url).state == "older"  # the daemon touched nothing

    up = runner.invoke(app, [*base, "db", "upgrade", "--data-dir", str(tmp_path / "d")], env=env)
    assert up.exit_code == 0, up.output
    assert state_of(url).state == "current"
    assert first_release_rows(url) == before  # every row of the first release, as it was

    clock = ManualClock(dt.datetime(2026, 12, 1, 16, 0, tzinfo=TOKYO))
    st = Station(make_settings(tmp_path, url), clock=clock, with_devices=False)
    st.start()
    try:
        waiting = st.queue.list(state="waiting", day=DAY)
        assert len(waiting) == 6
        fresh = st.queue.issue("A")  # the day's sequence goes on from the first release's last number
        assert fresh.number == f"A{sum(1 for t in before['tickets'] if t[2] == 'A') + 1:03d}"
        st.queue.set_counter_state(3, CounterState.OPEN)  # counters 1 and 2 still have their visitors
        called = st.queue.call_next(3)
        serves = set(st.settings.counter(3).categories)  # type: ignore[union-attr]
        assert called is not None and called.id == min(t.id for t in waiting if t.category in serves)
    finally:
        st.stop()


def test_a_newer_schema_is_refused_everywhere(tmp_path: Path, empty_database: str) -> None:
    url = empty_database
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as c:  # a newer release migrated this database
        c.execute(text("INSERT INTO alembic_version (version_num) VALUES ('0042_from_the_future')"))
    engine.dispose()
    env = {"STATION_DATABASE_URL": url}
    base = ["--config", str(EXAMPLE_CONFIG)]
    for args in (["run", "--port", "9"], ["db", "upgrade"], ["ops", "schema"]):
        r = runner.invoke(app, [*base, *args, "--data-dir", str(tmp_path / "d")], env=env)
        assert r.exit_code in (1, 2), (args, r.output)
        assert "0042_from_the_future" in r.output and "downgrades are not supported" in r.output, r.output
    assert "newer" in state_of(url).state


def test_ops_schema_reports_current(tmp_path: Path) -> None:
    data = tmp_path / "d"
    up = runner.invoke(app, ["--config", str(EXAMPLE_CONFIG), "db", "upgrade", "--data-dir", str(data)])
    assert up.exit_code == 0
    r = runner.invoke(app, ["--config", str(EXAMPLE_CONFIG), "ops", "schema", "--data-dir", str(data)])
    assert r.exit_code == 0 and '"state": "current"' in r.output
