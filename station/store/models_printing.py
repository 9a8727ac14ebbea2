"""The print spooler's durable queue: which committed tickets this daemon still owes a print attempt.

The spooler's own queue is in memory, so a daemon that stops, or is killed, with a backlog would leave
tickets that were committed but never got a print outcome. A row here is written in the ticket's own
transaction and removed in the transaction that records the outcome, so after any stop the next start
finds every job without an outcome (`station.services.printing.PrintSpooler.recover`). `spooler` names
the daemon that owes it (the counter PC's id): on a shared PostgreSQL database each daemon recovers only
its own printer's jobs, never another daemon's backlog that is still being printed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from station.store.models import Base, UtcDateTime


class PrintJob(Base):
    __tablename__ = "print_jobs"
    __table_args__ = (Index("ix_print_jobs_spooler", "spooler"),)

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    spooler: Mapped[str] = mapped_column(String(64), nullable=False)
    queued_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
