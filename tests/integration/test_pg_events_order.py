"""Events published without a lock commit out of order; every daemon must still deliver them in seq order,
each exactly once, and a seq that never commits (rolled back) must not stall anyone."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from station.app import Station
from station.clock import ManualClock
from station.domain.timezone import TOKYO
from station.events import CounterStateChanged, Envelope
from station.store.pg_events import GAP, insert_event
from tests.conftest import _clean_pg, make_settings


class Heard:
    def __init__(self, st: Station) -> None:
        self.q: queue.Queue[Envelope] = queue.Queue()
        st.bus.add_listener(self.q.put)

    def take(self, n: int, timeout: float = 10.0) -> list[Envelope]:
        return [self.q.get(timeout=timeout) for _ in range(n)]

    def nothing_within(self, seconds: float) -> bool:
        try:
            self.q.get(timeout=seconds)
        except queue.Empty:
            return True
        return False


def ev(counter_id: int) -> CounterStateChanged:
    return CounterStateChanged(at=datetime(2026, 12, 1, 10, 0, tzinfo=TOKYO), counter_id=counter_id, state="open")


@pytest.fixture
def two(tmp_path: Path, pg_database: str, clock: ManualClock) -> Iterator[tuple[Station, Station]]:
    _clean_pg(pg_database)
    a = Station(make_settings(tmp_path / "a", pg_database, counter_id=1), clock=clock, with_devices=False)
    b = Station(make_settings(tmp_path / "b", pg_database, counter_id=2), clock=clock, with_devices=False)
    a.start()
    b.start()
    assert a.event_transport.connected.wait(5) and b.event_transport.connected.wait(5)
    yield a, b
    a.stop()
    b.stop()


def test_a_later_event_waits_for_an_earlier_one_still_in_flight(two: tuple[Station, Station]) -> None:
    a, b = two
    ha, hb = Heard(a), Heard(b)
    with a.engine.connect() as slow:  # a change's transaction that drew seq n but has not committed yet
        first = insert_event(slow, ev(1))
        a.bus.publish(ev(2))  # committed at once, with seq n + 1
        # the poll interval is 1 s: in 1.5 s a listener that skipped the gap would have delivered n + 1
        assert ha.nothing_within(1.5) and hb.nothing_within(0.1)
        slow.commit()
    for h in (ha, hb):
        got = h.take(2)
        assert [(e.seq, e.event.counter_id) for e in got] == [(first, 1), (first + 1, 2)]


def test_a_rolled_back_event_leaves_a_settled_gap(two: tuple[Station, Station]) -> None:
    a, b = two
    hb = Heard(b)
    with a.engine.connect() as c:
        lost = insert_event(c, ev(1))
        c.rollback()
    a.bus.publish(ev(2))
    got = hb.take(1)
    assert got[0].seq == lost + 1 and got[0].event.counter_id == 2
    with a.engine.connect() as c:  # the gap is a committed placeholder every daemon reads the same way
        assert c.execute(text("SELECT name FROM events WHERE seq = :s"), {"s": lost}).scalar() == GAP


def test_a_publisher_whose_seq_was_claimed_inserts_again_with_a_new_one(two: tuple[Station, Station]) -> None:
    a, b = two
    hb = Heard(b)
    with a.engine.connect() as c:  # a listener claimed the next seq before this publisher inserted its row
        nxt = c.execute(text("SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END "
                             "FROM events_seq_seq")).scalar()
        c.execute(text("INSERT INTO events (seq, name, payload, at) VALUES (:s, :g, '{}', now())"),
                  {"s": nxt, "g": GAP})
        c.commit()
        seq = insert_event(c, ev(3))
        c.commit()
    assert seq == nxt + 1
    got = hb.take(1)
    assert (got[0].seq, got[0].event.counter_id) == (seq, 3)
