"""The queue on a real store, SQLite and PostgreSQL: numbering, exactly-once calling, actions."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select

from station.app import Station
from station.clock import ManualClock
from station.domain.queue import Action
from station.services.errors import Conflict, Invalid
from station.store.models import AuditEntry


def test_numbers_are_sequential_per_category_and_reset_daily(any_station: Station, clock: ManualClock) -> None:
    q = any_station.queue
    assert [q.issue("A").number for _ in range(3)] == ["A001", "A002", "A003"]
    assert q.issue("B").number == "B001"
    clock.advance(days=1)
    assert q.issue("A").number == "A001"


def test_concurrent_issue_is_gapless_and_unique(any_station: Station) -> None:
    with ThreadPoolExecutor(16) as pool:
        numbers = list(pool.map(lambda _: any_station.queue.issue("A").number, range(60)))
    assert sorted(numbers) == [f"A{i:03d}" for i in range(1, 61)]


def test_twenty_counters_call_ten_tickets_exactly_once(any_station: Station) -> None:
    settings = any_station.settings
    settings.counters = [type(settings.counters[0])(id=i, categories=["A", "B"]) for i in range(1, 21)]
    issued = [any_station.queue.issue("A" if i % 2 else "B").id for i in range(10)]
    barrier = threading.Barrier(20)

    def call(counter_id: int) -> int | None:
        barrier.wait()
        t = any_station.queue.call_next(counter_id)
        return t.id if t else None

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(call, range(1, 21)))
    called = [r for r in results if r is not None]
    assert sorted(called) == sorted(issued)
    assert Counter(called).most_common(1)[0][1] == 1
    assert results.count(None) == 10


def test_oldest_first_and_transfer_keeps_place(any_station: Station, clock: ManualClock) -> None:
    q = any_station.queue
    a1 = q.issue("A")
    clock.advance(minutes=1)
    c1 = q.issue("C")
    clock.advance(minutes=1)
    a2 = q.issue("A")
    # counter 1 serves A,B: calls a1; transfers a1 to C → it goes back in line by its issue time
    assert q.call_next(1).id == a1.id
    q.act(a1.id, Action.TRANSFER, to_category="C")
    assert q.call_next(2).id == a1.id  # counter 2 serves A,C: a1 (oldest) before c1 and a2
    q.act(a1.id, Action.START)
    q.act(a1.id, Action.FINISH)
    assert q.call_next(2).id == c1.id
    assert q.get(a2.id).waiting_ahead == 0


def test_transfer_to_a_counter_reserves_the_ticket(any_station: Station) -> None:
    q = any_station.queue
    t = q.issue("A")
    q.call_next(1)
    q.act(t.id, Action.TRANSFER, to_counter=3)
    assert q.call_next(2) is None  # counter 2 serves A, but the ticket waits for counter 3
    assert q.call_next(3).id == t.id


def test_actions_follow_the_rules_and_are_audited(any_station: Station) -> None:
    q = any_station.queue
    t = q.issue("A")
    with pytest.raises(Conflict):
        q.act(t.id, Action.START)  # not called yet
    q.call_next(1)
    with pytest.raises(Conflict, match="あと2回"):
        q.act(t.id, Action.NO_SHOW)
    q.act(t.id, Action.RECALL)
    assert q.act(t.id, Action.RECALL).recall_count == 2
    assert q.act(t.id, Action.NO_SHOW).state == "no_show"
    with any_station.sessions() as s:
        actions = [a.action for a in s.scalars(select(AuditEntry).where(AuditEntry.ticket_id == t.id)
                                               .order_by(AuditEntry.id))]
    assert actions == ["ticket.issue", "ticket.call", "ticket.recall", "ticket.recall", "ticket.no-show"]


def test_counter_must_finish_before_calling_again_and_pause(any_station: Station) -> None:
    q = any_station.queue
    q.issue("A")
    q.issue("A")
    q.call_next(1)
    with pytest.raises(Conflict, match="完了してから"):
        q.call_next(1)
    from station.domain.queue import CounterState

    q.set_counter_state(2, CounterState.PAUSED)
    with pytest.raises(Conflict, match="休止中"):
        q.call_next(2)


def test_refuses_unknown_category_and_after_hours(any_station: Station, clock: ManualClock) -> None:
    with pytest.raises(Invalid):
        any_station.queue.issue("Z")
    clock.set(clock.now().replace(hour=16, minute=45))
    with pytest.raises(Conflict, match="本日の受付は終了しました"):
        any_station.queue.issue("A")


def test_estimated_wait_from_todays_service_times(any_station: Station, clock: ManualClock) -> None:
    q = any_station.queue
    first = q.issue("C")
    q.call_next(2)
    q.act(first.id, Action.START)
    clock.advance(minutes=4)
    q.act(first.id, Action.FINISH)
    for _ in range(3):
        q.issue("C")
    last = q.list(state="waiting")[-1]
    assert last.waiting_ahead == 2
    # median 4 min per visitor, two counters serve C (2 and 3)
    assert last.estimated_wait_min == 4
    assert clock.now() - first.issued_at >= timedelta(minutes=4)


def test_a_ticket_being_printed_is_not_passed_over(pg_station: Station) -> None:
    """A print record or audit entry being written holds a key-share lock on the ticket row (the
    foreign key check); `call-next`'s SKIP LOCKED must not pass the visitor over because of it."""
    from sqlalchemy import text

    first = pg_station.queue.issue("A")
    pg_station.queue.issue("A")
    other = pg_station.sessions()
    other.begin()
    other.execute(text("SELECT id FROM tickets WHERE id = :id FOR KEY SHARE"), {"id": first.id})
    try:
        assert pg_station.queue.call_next(1).id == first.id
    finally:
        other.rollback()
        other.close()


def test_another_counter_takes_over_a_called_visitor(any_station: Station) -> None:
    q = any_station.queue
    t = q.issue("A")
    q.call_next(1)  # counter 1's PC dies here
    taken = q.take_over(t.id, 2)
    assert taken.counter_id == 2 and taken.state == "called"
    assert q.act(t.id, Action.START).state == "serving"
    q.issue("A")
    q.call_next(1)
    with pytest.raises(Conflict, match="対応中"):
        q.take_over(t.id, 1)


def test_sqlite_readers_do_not_wait_for_a_writer(station: Station) -> None:
    """A screen refreshing its list must not stall behind a long write (SQLite WAL, deferred reads)."""
    station.queue.issue("A")
    writing = station.sessions()
    writing.begin()
    writing.execute(select(AuditEntry.id))  # holds the write lock, as a long import would
    try:
        done = threading.Event()
        result: list[int] = []

        def read() -> None:
            result.append(len(station.queue.list()))
            done.set()

        threading.Thread(target=read, daemon=True).start()
        assert done.wait(5), "reader blocked behind the writer"
        assert result == [1]
    finally:
        writing.rollback()
        writing.close()


def test_busy_counters_and_a_dispenser_never_starve_the_pool(any_station: Station) -> None:
    """20 counters finishing visitors (each finish makes the next view re-read today's times) while the
    dispenser keeps issuing: a view inside a transaction must not need a second pooled connection."""
    settings = any_station.settings
    settings.counters = [type(settings.counters[0])(id=i, categories=["A", "B", "C", "D"]) for i in range(1, 21)]
    q = any_station.queue
    for _ in range(40):
        q.issue("A")
    errors: list[BaseException] = []

    def counter(cid: int) -> None:
        try:
            while (t := q.call_next(cid)) is not None:
                q.act(t.id, Action.START)
                q.act(t.id, Action.FINISH)
        except BaseException as e:  # collected: a pool timeout here is the failure
            errors.append(e)

    threads = [threading.Thread(target=counter, args=(c,)) for c in range(1, 21)]
    for t in threads:
        t.start()
    issued = [q.issue("B").number for _ in range(10)]
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    assert len(issued) == 10
