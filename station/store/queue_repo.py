"""The queue's SQL: tickets, counters, the day's numbering and print records — the only queue code that
knows the database dialect.

Every function runs in the caller's session (a use case's unit of work, or a read session), so a use
case decides what commits together. The hot statements (issue, call next, the locked ticket) are built
once at import: building a statement costs more Python than executing a cached one, and the press →
print path must stay short (bench/ticket_path.py). Rules (which state may follow which) live in
`station.domain.queue`; this module only reads and writes rows.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Connection,
    Date,
    Row,
    String,
    bindparam,
    column,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from station.domain.queue import CounterState, TicketState
from station.store.db import insert_on_conflict
from station.store.models import Counter, DailySequence, Ticket, TicketPrint, UtcDateTime
from station.store.models_backoffice import BackofficeDay

ACTIVE = [TicketState.CALLED, TicketState.SERVING]  # a counter is busy with such a ticket
Prints = dict[int, tuple[bool | None, str | None]]  # ticket id → (printed, error)


def is_pg(s: Session | Connection) -> bool:
    bind = s.get_bind() if isinstance(s, Session) else s
    return bind.dialect.name == "postgresql"


def aware(dt: datetime) -> datetime:
    """SQLite hands back naive UTC datetimes; PostgreSQL aware ones."""
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


# --- issuing -----------------------------------------------------------------------------------------
_BUMP_SEQ = (
    update(DailySequence)
    .where(DailySequence.business_date == bindparam("day"), DailySequence.category == bindparam("cat"))
    .values(last_seq=DailySequence.last_seq + 1)
    .returning(DailySequence.last_seq)
)
_COUNT_WAITING = select(func.count()).select_from(Ticket).where(
    Ticket.business_date == bindparam("day"), Ticket.category == bindparam("cat"),
    Ticket.state == bindparam("waiting"),
)
_INSERT_TICKET = insert(Ticket).returning(Ticket.id)


def next_seq(conn: Connection, day: date, category: str) -> int:
    """Bump the day's counter in this transaction: gapless and unique, even across daemons."""
    params = {"day": day, "cat": category}
    seq = conn.execute(_BUMP_SEQ, params).scalar()
    if seq is not None:
        return int(seq)
    conn.execute(
        insert_on_conflict(conn, DailySequence)
        .values(business_date=day, category=category, last_seq=0)
        .on_conflict_do_nothing()
    )
    seq = conn.execute(_BUMP_SEQ, params).scalar()
    assert seq is not None
    return int(seq)


def count_waiting(conn: Connection, day: date, category: str) -> int:
    return conn.execute(_COUNT_WAITING, {"day": day, "cat": category,
                                         "waiting": TicketState.WAITING.value}).scalar() or 0


def insert_ticket(conn: Connection, **values: Any) -> int:
    """A new ticket row through Core (the ORM's unit of work costs more than the SQLite commit)."""
    return int(conn.execute(_INSERT_TICKET, values).scalar_one())


# --- calling and acting ------------------------------------------------------------------------------
def _print_columns() -> tuple[Any, Any]:
    """A ticket's print status as two columns of the statement that reads the ticket (no second query)."""
    return (
        select(TicketPrint.printed).where(TicketPrint.ticket_id == Ticket.id).scalar_subquery()
        .correlate(Ticket).label("print_printed"),
        select(TicketPrint.error).where(TicketPrint.ticket_id == Ticket.id).scalar_subquery()
        .correlate(Ticket).label("print_error"),
    )


_TICKET_COLUMNS = tuple(Ticket.__table__.c)
# What a clerk's action may change on a ticket (the rest is fixed at issue).
_MUTABLE = ("state", "category", "counter_id", "target_counter_id", "called_at", "started_at", "finished_at",
            "recall_count", "transfer_count", "original_category")


class LockedTicket:
    """A ticket row read under its lock, changed by a use case and written back with `save`: plain
    attributes, not an ORM object, so a clerk's action costs one prebuilt UPDATE and no unit-of-work
    flush (the flush was the largest share of the daemon's CPU per call step, issue 19)."""

    __slots__ = tuple(c.name for c in _TICKET_COLUMNS)

    def __init__(self, row: Row[Any]) -> None:
        for name in self.__slots__:
            setattr(self, name, getattr(row, name))


@functools.cache
def _locked_statement(pg: bool) -> Any:
    """The ticket by id (:tid) with its print status, row-locked on PostgreSQL."""
    stmt = select(*_TICKET_COLUMNS, *_print_columns()).where(Ticket.id == bindparam("tid"))
    return stmt.with_for_update(of=Ticket) if pg else stmt


_SAVE = (update(Ticket).where(Ticket.id == bindparam("tid"))
         .values(**{name: bindparam(f"v_{name}", type_=Ticket.__table__.c[name].type) for name in _MUTABLE}))


def locked(s: Session, ticket_id: int) -> tuple[LockedTicket, Prints] | None:
    """The ticket under a row lock (PostgreSQL), with its print status read in the same statement."""
    row = s.connection().execute(_locked_statement(is_pg(s)), {"tid": ticket_id}).first()
    if row is None:
        return None
    return LockedTicket(row), {row.id: (row.print_printed, row.print_error)}


def save(s: Session, t: LockedTicket) -> None:
    """Write back what a clerk's action changed on a locked ticket (one prebuilt UPDATE)."""
    s.connection().execute(_SAVE, {"tid": t.id, **{f"v_{name}": getattr(t, name) for name in _MUTABLE}})


@functools.cache
def _call_next_statement(pg: bool, pinned: bool = False) -> Any:
    """call_next's one statement: pick the oldest eligible waiting ticket and call it, in one round trip.

    The pick is a scalar subquery (PostgreSQL runs it once, before the update) that locks its row with
    FOR NO KEY UPDATE SKIP LOCKED, so concurrent callers on every daemon take different rows — exactly
    once. NO KEY UPDATE does not collide with the key-share locks that foreign keys (audit entries, print
    records) take, so a ticket being printed is never skipped. The counter's own conditions (open, not
    still busy with a called or served ticket) are uncorrelated, so they are checked once, and a counter
    that may not call locks nothing. On SQLite the transaction holds the write lock from BEGIN IMMEDIATE.
    Written as SQL text once: building the equivalent expression per call cost more Python than the rest
    of the call."""
    cols = list(Ticket.__table__.c)
    pin = "\n              AND t.id IN :tids" if pinned else ""  # reservations (issue 15): one of these, if callable
    sql = f"""
        UPDATE tickets SET state = :called, counter_id = :counter, called_at = :now, recall_count = 0,
               target_counter_id = NULL
        WHERE id = (
            SELECT t.id FROM tickets t
            WHERE t.business_date = :day AND t.state = :waiting
              AND ((t.target_counter_id IS NULL AND t.category IN :cats) OR t.target_counter_id = :counter)
              AND NOT EXISTS (SELECT 1 FROM tickets a WHERE a.business_date = :day AND a.counter_id = :counter
                              AND a.state IN (:called, :serving))
              AND NOT EXISTS (SELECT 1 FROM counters c WHERE c.id = :counter AND c.state <> :open){pin}
            ORDER BY t.issued_at, t.id LIMIT 1{" FOR NO KEY UPDATE SKIP LOCKED" if pg else ""})
        RETURNING {", ".join(c.name for c in cols)},
            (SELECT p.printed FROM ticket_prints p WHERE p.ticket_id = tickets.id) AS print_printed,
            (SELECT p.error FROM ticket_prints p WHERE p.ticket_id = tickets.id) AS print_error"""
    return (
        text(sql)
        .bindparams(bindparam("day", type_=Date()), bindparam("now", type_=UtcDateTime()),
                    bindparam("cats", expanding=True), *([bindparam("tids", expanding=True)] if pinned else []))
        .columns(*cols, column("print_printed", Boolean()), column("print_error", String()))
    )


def call_next(s: Session, *, day: date, counter_id: int, categories: Iterable[str], now: datetime,
              called: str, among: list[int] | None = None) -> Row[Any] | None:
    """Call the oldest eligible waiting ticket for this counter (exactly once across daemons): the called
    row with its print status, or None when nobody was called. `among`: only one of these tickets (a
    checked-in booking goes first, issue 15); None when none of them can be called here now."""
    params = {"day": day, "counter": counter_id, "cats": list(categories), "now": now,
              "waiting": TicketState.WAITING.value, "open": CounterState.OPEN.value,
              "called": called, "serving": TicketState.SERVING.value}
    if among:
        return s.execute(_call_next_statement(is_pg(s), pinned=True), {**params, "tids": among}).first()
    return s.execute(_call_next_statement(is_pg(s)), params).first()


def active_at(s: Session, day: date, counter_id: int, other_than: int | None = None) -> Row[Any] | None:
    """A ticket this counter is still calling or serving (id, number), if any."""
    stmt = select(Ticket.id, Ticket.number).where(
        Ticket.business_date == day, Ticket.counter_id == counter_id, Ticket.state.in_(ACTIVE))
    if other_than is not None:
        stmt = stmt.where(Ticket.id != other_than)
    return s.execute(stmt.limit(1)).first()


# --- counters ----------------------------------------------------------------------------------------
def counter_state(s: Session, counter_id: int) -> CounterState:
    row = s.get(Counter, counter_id)
    return CounterState(row.state) if row else CounterState.OPEN


def set_counter_state(s: Session, counter_id: int, state: CounterState, now: datetime) -> None:
    row = s.get(Counter, counter_id)
    if row is None:
        row = Counter(id=counter_id)
        s.add(row)
    row.state = state
    row.updated_at = now


def counter_states(s: Session) -> dict[int, CounterState]:
    """The stored state of every counter that has one (a counter never changed is open)."""
    return {r.id: CounterState(r.state) for r in s.scalars(select(Counter))}


def current_ticket(s: Session, day: date, counter_id: int) -> Ticket | None:
    return s.scalars(
        select(Ticket).where(
            Ticket.business_date == day, Ticket.counter_id == counter_id, Ticket.state.in_(ACTIVE),
        ).order_by(Ticket.called_at.desc())
    ).first()


def handled_today(s: Session, day: date, counter_id: int) -> int:
    return s.scalar(
        select(func.count()).select_from(Ticket).where(
            Ticket.business_date == day, Ticket.counter_id == counter_id, Ticket.state == TicketState.DONE,
        )
    ) or 0


# --- reading -----------------------------------------------------------------------------------------
def get(s: Session, ticket_id: int) -> Ticket | None:
    return s.get(Ticket, ticket_id)


def by_token(s: Session, token: str) -> Ticket | None:
    return s.scalars(select(Ticket).where(Ticket.token == token)).first()


def of_day(s: Session, day: date, state: str | None, limit: int, offset: int = 0) -> list[Ticket]:
    stmt = select(Ticket).where(Ticket.business_date == day)
    if state:
        stmt = stmt.where(Ticket.state == state)
    return list(s.scalars(stmt.order_by(Ticket.issued_at, Ticket.id).offset(offset).limit(limit)))


def waiting_by_category(s: Session, day: date) -> tuple[dict[str, int], dict[str, datetime]]:
    """Per category: how many wait, and since when the oldest of them waits."""
    where = (Ticket.business_date == day, Ticket.state == TicketState.WAITING)
    waiting = dict(s.execute(select(Ticket.category, func.count()).where(*where).group_by(Ticket.category)).all())
    oldest = dict(s.execute(
        select(Ticket.category, func.min(Ticket.issued_at)).where(*where).group_by(Ticket.category)).all())
    return ({k: int(v) for k, v in waiting.items()}, {k: aware(v) for k, v in oldest.items() if v is not None})


def service_minutes(s: Session, day: date) -> dict[str, list[float]]:
    """Today's measured service times (start → finish) per category, in minutes."""
    rows = s.execute(
        select(Ticket.category, Ticket.started_at, Ticket.finished_at).where(
            Ticket.business_date == day, Ticket.state == TicketState.DONE, Ticket.started_at.is_not(None),
        )
    ).all()
    out: dict[str, list[float]] = {}
    for cat, start, end in rows:
        out.setdefault(cat, []).append((end - start).total_seconds() / 60)
    return out


def prints_of(s: Session, ticket_ids: list[int]) -> Prints:
    return {p.ticket_id: (p.printed, p.error)
            for p in s.scalars(select(TicketPrint).where(TicketPrint.ticket_id.in_(ticket_ids)))}


def ahead_of_one(s: Session, t: Any) -> int:
    """How many wait before this waiting ticket in its category: one COUNT on the queue index."""
    n = s.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.business_date == t.business_date, Ticket.state == TicketState.WAITING,
        Ticket.category == t.category,
        (Ticket.issued_at < t.issued_at) | ((Ticket.issued_at == t.issued_at) & (Ticket.id < t.id)),
    ))
    return int(n or 0)


def waiting_lines(s: Session, days: set[date]) -> dict[str, list[tuple[datetime, int]]]:
    """Each category's waiting line on these days, sorted by (issued_at, id)."""
    lines: dict[str, list[tuple[datetime, int]]] = {}
    for r in s.execute(select(Ticket.id, Ticket.category, Ticket.issued_at).where(
            Ticket.business_date.in_(days), Ticket.state == TicketState.WAITING)):
        lines.setdefault(r.category, []).append((aware(r.issued_at), r.id))
    for line in lines.values():
        line.sort()
    return lines


# --- printing: outcomes and the spooler's jobs are in station.store.print_repo ----------------------
def exists(s: Session, ticket_id: int) -> bool:
    return s.get(Ticket, ticket_id) is not None



_DAY_CLOSED = select(BackofficeDay.business_date).where(BackofficeDay.business_date == bindparam("day")).limit(1)


def day_handed_over(conn: Session | Connection, day: date) -> bool:
    """The supervisor closed this business day (end of day, D-BO-6): the dispenser issues no more tickets."""
    return conn.execute(_DAY_CLOSED, {"day": day}).first() is not None
