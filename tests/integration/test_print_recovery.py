"""No print outcome is ever unknown (issue 19): a stop with a backlog records every job not printed, and the
next start prints what is fresh and lists the rest for reprint — the same after a crash that wrote nothing.

In process, on SQLite and PostgreSQL, with a printer that holds its first job until told to go on, so a
backlog exists for certain and nothing waits on time."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from drivers.receipt import Receipt, Text
from station.app import Station
from station.clock import ManualClock
from station.domain.queue import Action
from station.messages import text
from station.services.queue_views import TicketView
from station.store.models import Ticket, TicketPrint
from station.store.models_printing import PrintJob
from tests.conftest import OPEN_TIME, make_settings

STOPPED = text("spooler.stopped", "ja")


class HeldPrinter:
    """Prints into a list; with `hold`, the first job waits at the printer until `release()`."""

    def __init__(self, hold: bool = False) -> None:
        self.printed: list[str] = []
        self.at_printer = threading.Event()
        self._go = threading.Event()
        if not hold:
            self._go.set()
        self.done = threading.Condition()

    def release(self) -> None:
        self._go.set()

    def print_receipt(self, receipt: Receipt) -> None:
        self.at_printer.set()
        self._go.wait(10)
        number = next(e.text for e in receipt.elements if isinstance(e, Text) and e.width >= 3)
        with self.done:
            self.printed.append(number)
            self.done.notify_all()

    def wait_printed(self, n: int) -> list[str]:
        with self.done:
            assert self.done.wait_for(lambda: len(self.printed) >= n, 10), self.printed
            return list(self.printed)


def station(tmp_path: Path, database_url: str, clock: ManualClock, printer: HeldPrinter | None) -> Station:
    st = Station(make_settings(tmp_path, database_url), clock=clock, with_devices=False)
    st.printer = printer  # type: ignore[assignment]
    return st


def outcomes(st: Station) -> dict[str, tuple[bool | None, str | None, int]]:
    """number → (printed, reason, count); printed None: no outcome at all."""
    with st.sessions() as s:
        rows = s.execute(select(Ticket.number, TicketPrint.printed, TicketPrint.error, TicketPrint.count)
                         .outerjoin(TicketPrint, TicketPrint.ticket_id == Ticket.id).order_by(Ticket.id))
        return {r.number: (r.printed, r.error, r.count or 0) for r in rows}


def owed(st: Station) -> list[int]:
    with st.sessions() as s:
        return list(s.scalars(select(PrintJob.ticket_id).order_by(PrintJob.ticket_id)))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(OPEN_TIME)


@pytest.fixture
def held(tmp_path: Path, database_url: str, clock: ManualClock) -> Iterator[tuple[Station, HeldPrinter]]:
    printer = HeldPrinter(hold=True)
    st = station(tmp_path, database_url, clock, printer)
    st.start()
    yield st, printer
    printer.release()
    st.stop()


def test_stop_with_a_backlog_records_every_job_and_a_fresh_restart_prints_them(
        held: tuple[Station, HeldPrinter], tmp_path: Path, database_url: str, clock: ManualClock) -> None:
    st, printer = held
    views = [st.queue.issue("A") for _ in range(12)]
    assert printer.at_printer.wait(10)  # the first is at the printer, eleven wait behind it
    stopper = threading.Thread(target=st.stop)
    stopper.start()
    assert st.spooler._stopping.wait(10)  # the stop has begun: nothing more is taken from the queue
    printer.release()
    stopper.join(15)
    assert not stopper.is_alive()

    got = outcomes(st)
    assert got[views[0].number] == (True, None, 1)  # the job at the printer finished
    assert all(got[v.number] == (False, STOPPED, 0) for v in views[1:])  # never without an outcome
    assert owed(st) == [v.id for v in views[1:]]  # still owed: the next start decides

    clock.advance(minutes=1)  # back within the window: the visitors may still be there
    again = HeldPrinter()
    st2 = station(tmp_path, database_url, clock, again)
    st2.start()
    try:
        assert again.wait_printed(11) == [v.number for v in views[1:]]  # in issue order, once each
        st2.stop()  # nothing left behind: the stop records nothing
        got = outcomes(st2)
        assert all(got[v.number] == (True, None, 1) for v in views) and owed(st2) == []
    finally:
        st2.stop()


def test_after_a_crash_fresh_tickets_print_and_stale_ones_are_listed_for_reprint(
        tmp_path: Path, database_url: str, clock: ManualClock) -> None:
    st = station(tmp_path, database_url, clock, HeldPrinter())
    st.start()
    st.queue.on_issued = None  # the queue in memory dies unprinted: only the print_jobs rows remain
    old = [st.queue.issue("A") for _ in range(3)]
    served = st.queue.issue("B")
    clock.advance(minutes=9)
    fresh = [st.queue.issue("A") for _ in range(2)]
    called = st.queue.call_next(3)  # counter 3 serves B: the B ticket is called, started and finished
    assert called is not None and called.id == served.id
    st.queue.act(served.id, Action.START, counter_id=3)
    st.queue.act(served.id, Action.FINISH, counter_id=3)
    st.spooler._thread = None  # a crash: no stop, no record of anything
    assert all(o[0] is None for o in outcomes(st).values())
    assert len(owed(st)) == 6

    clock.advance(minutes=1)  # 10:10: the first three are 10 minutes old, the window is 2
    printer = HeldPrinter()
    st2 = station(tmp_path, database_url, clock, printer)
    st2.start()
    try:
        assert printer.wait_printed(2) == [t.number for t in fresh]
        st2.stop()
        got = outcomes(st2)
        for t in [*old, served]:
            assert got[t.number] == (False, STOPPED, 0)  # listed, not printed by surprise
        assert all(got[t.number] == (True, None, 1) for t in fresh)
        assert owed(st2) == []
        listed = {v.number: v for v in st2.queue.list(state="waiting")}
        assert all(listed[t.number].printed is False and listed[t.number].print_error == STOPPED for t in old)
        st2.printer = printer  # type: ignore[assignment]
        assert st2.spooler.reprint(st2.queue.get(old[0].id)) is True  # reprintable from /admin
        assert outcomes(st2)[old[0].number] == (True, None, 1)
    finally:
        st2.stop()
        st.engine.dispose()


def test_a_ticket_submitted_after_the_stop_is_recorded_at_once(
        tmp_path: Path, database_url: str, clock: ManualClock) -> None:
    st = station(tmp_path, database_url, clock, HeldPrinter())
    st.start()
    st.spooler.stop()
    view: TicketView = st.queue.issue("A")  # a press racing the shutdown
    assert outcomes(st)[view.number] == (False, STOPPED, 0)
    st.stop()


def test_migration_matches_the_print_jobs_model(tmp_path: Path, database_url: str, clock: ManualClock) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from station.store.models import Base

    st = station(tmp_path, database_url, clock, None)
    st.start()
    try:
        with st.engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert [d for d in diffs if "print_jobs" in repr(d)] == []
    finally:
        st.stop()
