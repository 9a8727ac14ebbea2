"""Printing tickets after they are committed, and reprinting those the printer could not print.

A ticket exists once it is committed; the printer only makes a paper copy of it. So printing runs
in one worker thread behind a queue, records the outcome on the ticket, and a failure leaves a
reprintable ticket — never a gap in the numbers and never a second number for the same visitor.
The print record and its TicketPrinted event commit together through the unit of work.

No outcome is ever left unknown (issue 19). The queue in memory is backed by a row in `print_jobs`,
written in the ticket's own transaction and removed with the outcome, so:
- `stop()` lets the job at the printer finish and records every job still queued as not printed
  (reprintable, shown on /admin) — their rows stay, for the next start to decide;
- `recover()` at start finds every job this daemon still owes (after a stop, or after SIGKILL when no
  outcome was written at all): a ticket issued within `[devices.printer] print_after_restart_minutes`
  and still waiting is printed now (the visitor may still stand at the dispenser); the rest are recorded
  as not printed and listed for reprint, never printed by surprise an hour later.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import Connection
from sqlalchemy.orm import Session, sessionmaker

from drivers.receipt import Receipt
from station.clock import Clock
from station.config import StationSettings
from station.events import EventBus, TicketPrinted
from station.messages import text
from station.services.audit import Actor
from station.services.errors import Conflict, NotFound
from station.services.queue_views import TicketView
from station.slips.ticket import ticket_receipt
from station.store import print_repo, queue_repo
from station.store.uow import UnitOfWork

log = logging.getLogger(__name__)

PRINTABLE_STATES = ("waiting", "called")  # a visitor already served needs no paper


class ReceiptPrinterLike(Protocol):
    def print_receipt(self, receipt: Receipt) -> None: ...


def reason_of(exc: BaseException) -> str:
    """A short Japanese reason for the panel (the drivers' errors carry one as message_ja)."""
    return str(getattr(exc, "message_ja", "") or exc)[:200] or text("printing.failed", "ja")


def spooler_name(settings: StationSettings) -> str:
    """Whose print jobs these are: the counter PC's id (each daemon of an office has its own printer)."""
    return f"counter-{settings.counter_id}"


class PrintSpooler:
    def __init__(
        self,
        settings: StationSettings,
        sessions: sessionmaker[Session],
        clock: Clock,
        bus: EventBus,
        printer_provider: Callable[[], ReceiptPrinterLike | None],
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.clock = clock
        self.bus = bus
        self.uow = UnitOfWork(sessions, bus)
        self.name = spooler_name(settings)
        self._printer = printer_provider
        self._queue: queue.Queue[TicketView | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._current: TicketView | None = None  # at the printer now
        self._stopped = False
        # Ids submitted before recover() ran (a press during the start): recovery must not queue them
        # twice. None once recovered, so nothing here grows during the day.
        self._early: set[int] | None = set()

    # --- lifecycle -----------------------------------------------------------------------------------
    def start(self, view_of: Callable[[int], TicketView] | None = None) -> None:
        """Start printing. With `view_of` (the queue's ticket view by id) recover the jobs owed from before
        first; the composition root calls `recover` itself, earlier, before any device can issue."""
        with self._lock:
            self._stopping.clear()
            self._stopped = False
        if view_of is not None:
            self.recover(view_of)
        with self._lock:
            self._early = None  # recovered or not, nothing is remembered per ticket from here on
        self._thread = threading.Thread(target=self._run, name="print-spooler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> int:
        """Finish the job at the printer, then record every job not yet printed as not printed.

        Returns how many were recorded so. Their `print_jobs` rows stay: the next start prints the fresh
        ones. A ticket submitted after this (a press racing the shutdown) is recorded at once."""
        with self._lock:
            self._stopped = True
        self._stopping.set()
        if self._thread:
            self._queue.put(None)
            self._thread.join(timeout)
            stuck = self._thread.is_alive()
            self._thread = None
        else:
            stuck = False
        left = self._drain()
        current = self._current
        if stuck and current is not None:  # the printer hangs: its outcome is unknown, say so (it may still come)
            left.insert(0, current)
        self._not_printed(left, keep_jobs=True)
        if left:
            log.warning("%d tickets not printed before the stop: recorded for reprint", len(left))
        return len(left)

    def owe(self, conn: Connection, ticket_id: int, at: datetime) -> None:
        """In the ticket's own transaction: this spooler owes it a print attempt (removed with the outcome)."""
        print_repo.enqueue(conn, ticket_id, self.name, at)

    def submit(self, ticket: TicketView) -> None:
        with self._lock:
            stopped = self._stopped
            if not stopped:
                if self._early is not None:
                    self._early.add(ticket.id)
                self._queue.put(ticket)
        if stopped:
            self._not_printed([ticket], keep_jobs=True)

    def recover(self, view_of: Callable[[int], TicketView]) -> tuple[int, int]:
        """Every job this daemon still owes from before its start: fresh waiting tickets are queued for
        printing, the rest recorded as not printed and settled. Returns (queued, listed for reprint)."""
        now = self.clock.now()
        window = timedelta(minutes=self.settings.devices.printer.print_after_restart_minutes)
        with self.sessions() as s:
            owed = print_repo.owed(s.connection(), self.name)
        with self._lock:
            early, self._early = self._early or set(), None
        fresh: list[TicketView] = []
        stale: list[int] = []
        for row in owed:
            if row.id in early:  # issued since this start, already queued
                continue
            if row.state in PRINTABLE_STATES and now - row.issued_at <= window:
                try:
                    fresh.append(view_of(row.id))
                    continue
                except NotFound:
                    pass
            stale.append(row.id)
        if stale:
            reason = text("spooler.stopped", "ja")
            numbers = {row.id: row.number for row in owed}
            with self.uow.change() as ch:
                print_repo.record_outcomes(ch.session.connection(), [(tid, False, reason) for tid in stale], now)
                ch.publish(*(TicketPrinted(at=now, ticket_id=tid, number=numbers[tid], printed=False,
                                           reason_ja=reason) for tid in stale))
        for view in fresh:
            with self._lock:
                self._queue.put(view)
        if owed:
            log.warning(text("spooler.recovered", "en", printed=len(fresh), listed=len(stale)))
        return len(fresh), len(stale)

    # --- the worker ----------------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if self._stopping.is_set():  # stopping: what is left is recorded by stop(), not printed
                self._queue.put(item)
                return
            self._current = item
            try:
                self.print_ticket(item)
            except Exception:  # never let one bad job stop the spooler
                log.exception("printing ticket %s failed", item.id)
            finally:
                self._current = None

    def _drain(self) -> list[TicketView]:
        out: list[TicketView] = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return out
            if item is not None:
                out.append(item)

    def _not_printed(self, tickets: Sequence[TicketView], *, keep_jobs: bool) -> None:
        """Record these tickets as not printed because the station stopped (one transaction)."""
        if not tickets:
            return
        now, reason = self.clock.now(), text("spooler.stopped", "ja")
        with self.uow.change() as ch:
            conn = ch.session.connection()
            outcomes = [(t.id, False, reason) for t in tickets]
            print_repo.record_outcomes(conn, outcomes, now, settle_jobs=not keep_jobs)
            ch.publish(*(TicketPrinted(at=now, ticket_id=t.id, number=t.number, printed=False, reason_ja=reason)
                         for t in tickets))

    # --- printing ------------------------------------------------------------------------------------
    def print_ticket(self, ticket: TicketView, reprint: bool = False) -> bool:
        """Print and record the outcome; True when the paper came out."""
        printer = self._printer()
        error: str | None = None
        if printer is None:
            error = text("printing.no_printer", "ja")
        else:
            try:
                printer.print_receipt(ticket_receipt(self.settings, ticket, reprint=reprint))
            except Exception as exc:  # driver errors are typed; any failure leaves it unprinted
                error = reason_of(exc)
                log.warning("ticket %s not printed: %s", ticket.number, type(exc).__name__)
        printed, now = error is None, self.clock.now()
        with self.uow.change() as ch:
            # One prebuilt upsert and the job's removal on the transaction's connection: the writer lock
            # (SQLite has one for the office) is held briefly, since the next press may be waiting on it.
            print_repo.record_outcomes(ch.session.connection(), [(ticket.id, printed, error)], now)
            ch.publish(TicketPrinted(at=now, ticket_id=ticket.id, number=ticket.number,
                                     printed=printed, reason_ja=error or ""))
        return printed

    def reprint(self, ticket: TicketView, actor: Actor | None = None) -> bool:
        """Print a ticket again (after a printer fault, or a visitor who lost it). Same number, same id."""
        if ticket.state not in PRINTABLE_STATES:
            raise Conflict("printing.already_handled", params={"number": ticket.number})
        ok = self.print_ticket(ticket, reprint=True)
        with self.uow.change() as ch:
            if not queue_repo.exists(ch.session, ticket.id):
                raise NotFound("queue.ticket_not_found", params={"ticket_id": ticket.id})
            ch.audit(self.clock.now(), actor or Actor.system(), "ticket.reprint", ticket.number,
                     "ok" if ok else "failed", ticket_id=ticket.id)
        return ok
