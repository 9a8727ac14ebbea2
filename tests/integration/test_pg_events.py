"""Events across daemons on one PostgreSQL: same events, same order, same numbers; catch-up after a
dropped listener connection."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from station.app import Station
from station.clock import ManualClock
from station.events import Envelope
from tests.conftest import _clean_pg, make_settings


class Heard:
    def __init__(self, st: Station) -> None:
        self.q: queue.Queue[Envelope] = queue.Queue()
        st.bus.add_listener(self.q.put)

    def take(self, n: int, timeout: float = 10.0) -> list[Envelope]:
        return [self.q.get(timeout=timeout) for _ in range(n)]


@pytest.fixture
def two_daemons(tmp_path: Path, pg_database: str, clock: ManualClock) -> Iterator[tuple[Station, Station]]:
    _clean_pg(pg_database)
    a = Station(make_settings(tmp_path / "a", pg_database, counter_id=1), clock=clock, with_devices=False)
    b = Station(make_settings(tmp_path / "b", pg_database, counter_id=2), clock=clock, with_devices=False)
    a.start()
    b.start()
    assert a.event_transport.connected.wait(5) and b.event_transport.connected.wait(5)
    yield a, b
    a.stop()
    b.stop()


def relevant(envs: list[Envelope]) -> list[tuple[int, str]]:
    return [(e.seq, e.event.name) for e in envs]


def test_every_daemon_hears_every_event_in_one_order(two_daemons: tuple[Station, Station]) -> None:
    a, b = two_daemons
    ha, hb = Heard(a), Heard(b)
    t = a.queue.issue("A")  # issued on daemon a (the dispenser's)
    called = b.queue.call_next(2)  # called on daemon b
    assert called.id == t.id
    got_a = [e for e in ha.take(3) if e.event.name != "ticket_printed"]
    got_b = [e for e in hb.take(3) if e.event.name != "ticket_printed"]
    assert relevant(got_a) == relevant(got_b)
    assert [e.event.name for e in got_a] == ["ticket_issued", "ticket_called"]
    assert got_a[1].event.counter_id == 2


def test_listener_catches_up_after_its_connection_is_dropped(two_daemons: tuple[Station, Station],
                                                             pg_database: str) -> None:
    a, b = two_daemons
    hb = Heard(b)
    admin = create_engine(pg_database, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:  # kill b's LISTEN connection, as a network blip or a PG restart would
        c.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                       "WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()"))
    admin.dispose()
    numbers = [a.queue.issue("C").number for _ in range(5)]
    heard = [e.event.number for e in hb.take(10) if e.event.name == "ticket_issued"]
    assert heard == numbers


def test_a_client_resumes_from_another_daemon(two_daemons: tuple[Station, Station], tmp_path: Path,
                                              pg_database: str, clock: ManualClock) -> None:
    import asyncio

    a, _b = two_daemons
    ha = Heard(a)
    for _ in range(3):
        a.queue.issue("A")
    first = ha.take(6)  # 3 issued + 3 printed reports
    last_seen = min(e.seq for e in first if e.event.name == "ticket_issued")
    c = Station(make_settings(tmp_path / "c", pg_database, counter_id=3), clock=clock, with_devices=False)
    c.start()  # a daemon started later knows nothing in memory…
    try:
        async def resume() -> list[int]:
            out: list[int] = []
            agen = c.bus.subscribe(last_seen)
            async for env in agen:
                out.append(env.seq)
                if env.seq == max(e.seq for e in first):
                    break
            await agen.aclose()
            return out

        seqs = asyncio.run(resume())
    finally:
        c.stop()
    assert seqs == sorted(e.seq for e in first if e.seq > last_seen)  # …but serves the resume from PG
