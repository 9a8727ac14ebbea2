"""Live configuration from the admin screen (issue 5): calendar days, counter categories, cut-offs.

Each change must reach what the visitor and clerk see at once (the dispenser, call-next), survive a
restart, be audited, and reach the office's other daemons."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from station.app import Station
from station.clock import ManualClock
from station.domain.timezone import TOKYO
from station.events import Envelope
from station.services.audit import Actor
from station.services.errors import Conflict, Invalid, NotFound
from station.store.models import AuditEntry
from tests.conftest import _clean_pg, make_settings
from web.app import create_app

SUPERVISOR = Actor("supervisor", "127.0.0.1")
TODAY = date(2026, 12, 1)  # the test clock's Tuesday
SATURDAY = date(2026, 12, 5)


def audit_actions(st: Station) -> list[tuple[str, str]]:
    with st.sessions() as s:
        return [(a.action, a.target) for a in s.scalars(select(AuditEntry).where(AuditEntry.action.like("admin.%")))]


def test_closing_today_stops_the_dispenser_and_undoing_reopens_it(any_station: Station) -> None:
    st = any_station
    st.queue.issue("A")
    st.admin.set_day(TODAY, "closed", "システム障害", SUPERVISOR)
    with pytest.raises(Conflict) as e:
        st.queue.issue("A")
    assert "受付" in e.value.message_ja
    assert not any(c.accepting for c in st.queue.categories_status())
    st.admin.clear_day(TODAY, SUPERVISOR)
    assert st.queue.issue("A").number == "A002"
    assert audit_actions(st) == [("admin.calendar_set", "2026-12-01"), ("admin.calendar_clear", "2026-12-01")]
    with pytest.raises(NotFound):
        st.admin.clear_day(TODAY, SUPERVISOR)  # nothing left to undo


def test_a_saturday_holiday_opening_opens_the_dispenser_that_morning(any_station: Station,
                                                                     clock: ManualClock) -> None:
    st = any_station
    clock.set(datetime(2026, 12, 5, 10, 0, tzinfo=TOKYO))
    with pytest.raises(Conflict):
        st.queue.issue("A")
    clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=TOKYO))
    day = st.admin.set_day(SATURDAY, "holiday_opening", "", SUPERVISOR)
    assert day.kind == "holiday_opening" and day.source == "admin"
    clock.set(datetime(2026, 12, 5, 10, 0, tzinfo=TOKYO))
    assert st.queue.issue("A").number == "A001"
    clock.set(datetime(2026, 12, 5, 11, 45, tzinfo=TOKYO))  # 12:00 closing, 30 min cut-off
    with pytest.raises(Conflict):
        st.queue.issue("A")
    assert [(d.day, d.kind) for d in st.admin.calendar_days() if d.source == "admin"] == [(SATURDAY, "holiday_opening")]


def test_calendar_changes_are_validated(any_station: Station) -> None:
    st = any_station
    cases = [
        (date(2026, 11, 30), "closed", "過去"),
        (TODAY, "sunny", "日の種類"),
        (SATURDAY, "normal", "土曜・日曜"),
        (date(2026, 12, 2), "holiday_opening", "土日・祝日"),
        (date(2030, 1, 7), "closed", "先すぎます"),
    ]
    for day, kind, words in cases:
        with pytest.raises(Invalid) as e:
            st.admin.set_day(day, kind, "", SUPERVISOR)
        assert words in e.value.message_ja, (day, kind, e.value.message_ja)
    assert audit_actions(st) == []  # nothing half-written


def test_counter_categories_change_what_call_next_takes(any_station: Station) -> None:
    st = any_station
    c = st.queue.issue("C")  # counter 1 serves A and B only
    assert st.queue.call_next(1) is None
    assert st.admin.set_counter_categories(1, ["C", "A"], SUPERVISOR) == ["A", "C"]  # catalogue order
    called = st.queue.call_next(1)
    assert called is not None and called.id == c.id
    with pytest.raises(Invalid) as e:
        st.admin.set_counter_categories(1, ["Z"], SUPERVISOR)
    assert "Z" in e.value.message_ja
    with pytest.raises(Invalid):
        st.admin.set_counter_categories(1, [" "], SUPERVISOR)
    with pytest.raises(NotFound):
        st.admin.set_counter_categories(99, ["A"], SUPERVISOR)
    assert st.settings.counter(1).categories == ["A", "C"]


def test_category_cutoff_moves_the_dispensers_last_minute(any_station: Station, clock: ManualClock) -> None:
    st = any_station
    clock.set(datetime(2026, 12, 1, 16, 40, tzinfo=TOKYO))  # 20 min before 17:00; default cut-off 30
    with pytest.raises(Conflict):
        st.queue.issue("D")
    st.admin.set_category("D", 10, 12.0, SUPERVISOR)
    assert st.queue.issue("D").number == "D001"
    with pytest.raises(Invalid):
        st.admin.set_category("D", 300, 12.0, SUPERVISOR)
    with pytest.raises(Invalid):
        st.admin.set_category("D", 10, 0, SUPERVISOR)
    with pytest.raises(NotFound):
        st.admin.set_category("Q", 10, 5, SUPERVISOR)


def test_changes_survive_a_restart_and_undo_to_the_file(tmp_path: Path, database_url: str,
                                                        clock: ManualClock) -> None:
    if "postgresql" in database_url:
        _clean_pg(database_url)
    first = Station(make_settings(tmp_path / "a", database_url), clock=clock, with_devices=False)
    first.start()
    first.admin.set_day(TODAY, "closed", "", SUPERVISOR)
    first.admin.set_counter_categories(2, ["D"], SUPERVISOR)
    first.admin.set_category("A", 5, 7.5, SUPERVISOR)
    first.stop()
    again = Station(make_settings(tmp_path / "b", database_url), clock=clock, with_devices=False)
    again.start()
    try:
        assert TODAY in again.calendar.closed_dates and TODAY in again.queue.calendar.closed_dates
        assert again.settings.counter(2).categories == ["D"]
        a = again.settings.category("A")
        assert (a.cutoff_minutes, a.default_service_minutes) == (5, 7.5)
        # Setting the file's own values again removes the override: the file rules once more.
        again.admin.set_counter_categories(2, ["A", "C"], SUPERVISOR)
        again.admin.set_category("A", None, 10.0, SUPERVISOR)
        cfg = {c.code: c for c in again.settings.categories}
        assert cfg["A"].cutoff_minutes is None
    finally:
        again.stop()


@pytest.fixture
def client(station: Station) -> Iterator[TestClient]:
    with TestClient(create_app(station, manage_lifecycle=False)) as c:
        yield c


def test_admin_api(client: TestClient, station: Station) -> None:
    cfg = client.get("/api/admin/config").json()
    assert cfg["default_cutoff_minutes"] == 30
    assert [c["id"] for c in cfg["counters"]] == [1, 2, 3]
    assert cfg["categories"][0] | {} and cfg["categories"][0]["changed"] is False
    r = client.put("/api/admin/calendar/2026-12-05", json={"kind": "holiday_opening", "note": "臨時"})
    assert r.status_code == 200, r.text
    assert r.json() | {"date": "2026-12-05"} == r.json()
    assert r.json()["hours"] == "09:00–12:00" and r.json()["source"] == "admin"
    r = client.put("/api/admin/calendar/2026-12-02", json={"kind": "holiday_opening"})
    assert r.status_code == 422 and "土日" in r.json()["detail"]["message_ja"]
    assert client.put("/api/admin/calendar/not-a-date", json={"kind": "closed"}).status_code == 422
    assert client.delete("/api/admin/calendar/2026-12-05").status_code == 204
    assert client.delete("/api/admin/calendar/2026-12-05").status_code == 404
    r = client.put("/api/admin/counters/3", json={"categories": ["D"]})
    assert r.status_code == 200 and r.json()["counters"][2]["categories"] == ["D"]
    assert r.json()["counters"][2]["file_categories"] == ["B", "C", "D"]
    assert client.get("/api/counters/3").json()["categories"] == ["D"]
    r = client.put("/api/admin/counters/3", json={"categories": []})
    assert r.status_code == 422
    r = client.put("/api/admin/categories/B", json={"cutoff_minutes": 45, "default_service_minutes": 20})
    b = next(c for c in r.json()["categories"] if c["code"] == "B")
    assert b["effective_cutoff_minutes"] == 45 and b["changed"] is True
    assert client.put("/api/admin/categories/B", json={"cutoff_minutes": -1,
                                                        "default_service_minutes": 20}).status_code == 422


def test_another_daemon_applies_the_change(tmp_path: Path, pg_database: str, clock: ManualClock) -> None:
    _clean_pg(pg_database)
    a = Station(make_settings(tmp_path / "a", pg_database, counter_id=1), clock=clock, with_devices=False)
    b = Station(make_settings(tmp_path / "b", pg_database, counter_id=2), clock=clock, with_devices=False)
    a.start()
    b.start()
    try:
        assert a.event_transport.connected.wait(5) and b.event_transport.connected.wait(5)
        heard: queue.Queue[Envelope] = queue.Queue()
        b.bus.add_listener(heard.put)  # after b's own reload listener: when this hears it, b has reloaded
        a.admin.set_counter_categories(2, ["B"], SUPERVISOR)
        a.admin.set_day(TODAY, "closed", "", SUPERVISOR)
        names = []
        while len([n for n in names if n == "config_changed"]) < 2:
            names.append(heard.get(timeout=10).event.name)
        assert b.settings.counter(2).categories == ["B"]
        assert TODAY in b.calendar.closed_dates
        with pytest.raises(Conflict):
            b.queue.issue("A")
    finally:
        a.stop()
        b.stop()


def test_migration_matches_the_models(any_station: Station) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from station.store.models import Base

    with any_station.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diffs if "_overrides" in repr(d)] == []
