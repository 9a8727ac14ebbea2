"""The printing noun's SQL: print outcomes on tickets and the spooler's durable queue (`print_jobs`).

Every function runs on the caller's connection (a use case's unit of work), so the ticket and its print
job commit together, and an outcome and the removal of its job commit together. The statements are built
once per dialect: the spooler records an outcome per ticket, and building an upsert cost more Python than
running it (bench/visitor.py, issue 19).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from station.store.models import Ticket, TicketPrint, UtcDateTime
from station.store.models_printing import PrintJob

_ENQUEUE = insert(PrintJob)
_SETTLE = delete(PrintJob).where(PrintJob.ticket_id.in_(bindparam("ids", expanding=True)))
_OWED = (
    select(Ticket.id, Ticket.number, Ticket.state, Ticket.issued_at, PrintJob.queued_at)
    .join(PrintJob, PrintJob.ticket_id == Ticket.id)
    .where(PrintJob.spooler == bindparam("spooler"))
    .order_by(Ticket.issued_at, Ticket.id)
)


@functools.cache
def _upsert(dialect: str) -> Any:
    stmt = (postgresql if dialect == "postgresql" else sqlite).insert(TicketPrint).values(
        ticket_id=bindparam("tid"), printed=bindparam("printed"), error=bindparam("error"),
        updated_at=bindparam("now", type_=UtcDateTime()), count=bindparam("inc"),
    )
    return stmt.on_conflict_do_update(index_elements=[TicketPrint.ticket_id], set_={
        "printed": stmt.excluded.printed, "error": stmt.excluded.error, "updated_at": stmt.excluded.updated_at,
        "count": TicketPrint.count + stmt.excluded.count,
    })


def enqueue(conn: Connection, ticket_id: int, spooler: str, at: datetime) -> None:
    """The spooler `spooler` owes this ticket a print attempt (in the ticket's own transaction)."""
    conn.execute(_ENQUEUE, {"ticket_id": ticket_id, "spooler": spooler, "queued_at": at})


def record_outcomes(conn: Connection, outcomes: Sequence[tuple[int, bool, str | None]], now: datetime, *,
                    settle_jobs: bool = True) -> None:
    """Each ticket's print outcome (ticket id, printed, reason), one statement for all of them; with
    `settle_jobs` their jobs are removed too (without: the spooler still owes them an attempt).

    A printed ticket's count goes up by one (a reprint prints it again); a failure keeps the count."""
    if not outcomes:
        return
    conn.execute(_upsert(conn.dialect.name), [{"tid": tid, "printed": ok, "error": err, "now": now, "inc": int(ok)}
                                              for tid, ok, err in outcomes])
    if settle_jobs:
        settle(conn, [tid for tid, _, _ in outcomes])


def settle(conn: Connection, ticket_ids: Iterable[int]) -> None:
    """The spooler owes these tickets nothing any more."""
    ids = list(ticket_ids)
    for i in range(0, len(ids), 500):  # SQLite's limit on bound parameters is far above, but stay modest
        conn.execute(_SETTLE, {"ids": ids[i:i + 500]})


def owed(conn: Connection, spooler: str) -> list[Row[Any]]:
    """The jobs this spooler still owes (id, number, state, issued_at, queued_at), oldest first."""
    return list(conn.execute(_OWED, {"spooler": spooler}))
