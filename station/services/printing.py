"""Printing tickets after they are committed, and reprinting those the printer could not print.

A ticket exists once it is committed; the printer only makes a paper copy of it. So printing runs
in one worker thread behind a queue, records the outcome on the ticket, and a failure leaves a
reprintable ticket — never a gap in the numbers and never a second number for the same visitor.
The print record and its TicketPrinted event commit together through the unit of work.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Protocol

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
from station.store import queue_repo
from station.store.uow import UnitOfWork

log = logging.getLogger(__name__)


class ReceiptPrinterLike(Protocol):
    def print_receipt(self, receipt: Receipt) -> None: ...


def reason_of(exc: BaseException) -> str:
    """A short Japanese reason for the panel (the drivers' errors carry one as message_ja)."""
    return str(getattr(exc, "message_ja", "") or exc)[:200] or text("printing.failed", "ja")


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
        self._printer = printer_provider
        self._queue: queue.Queue[TicketView | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="print-spooler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        if self._thread:
            self._queue.put(None)
            self._thread.join(timeout)
            self._thread = None

    def submit(self, ticket: TicketView) -> None:
        self._queue.put(ticket)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            try:
                self.print_ticket(item)
            except Exception:  # never let one bad job stop the spooler
                log.exception("printing ticket %s failed", item.id)

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
            # One upsert on the transaction's connection: the writer lock (SQLite has one for the office)
            # is held for as short a time as possible, since the next visitor's press may be waiting on it.
            queue_repo.record_print(ch.session.connection(), ticket.id, printed, error, now)
            ch.publish(TicketPrinted(at=now, ticket_id=ticket.id, number=ticket.number,
                                     printed=printed, reason_ja=error or ""))
        return printed

    def reprint(self, ticket: TicketView, actor: Actor | None = None) -> bool:
        """Print a ticket again (after a printer fault, or a visitor who lost it). Same number, same id."""
        if ticket.state not in ("waiting", "called"):
            raise Conflict("printing.already_handled", params={"number": ticket.number})
        ok = self.print_ticket(ticket, reprint=True)
        with self.uow.change() as ch:
            if not queue_repo.exists(ch.session, ticket.id):
                raise NotFound("queue.ticket_not_found", params={"ticket_id": ticket.id})
            ch.audit(self.clock.now(), actor or Actor.system(), "ticket.reprint", ticket.number,
                     "ok" if ok else "failed", ticket_id=ticket.id)
        return ok
