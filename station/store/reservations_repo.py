"""The reservations' SQL: places per slot, bookings, watches, the mail outbox. The only code that knows them.

Every function takes the caller's Session (inside its unit of work) or a read session; none commits.
The one statement that must be right under concurrency is `take_place`: a conditional UPDATE that only
succeeds while `booked < capacity`. On PostgreSQL the row lock serialises racers and each re-checks the
condition after the lock; on SQLite the writer lock (BEGIN IMMEDIATE) does the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.orm import Session

from station.store.db import insert_on_conflict
from station.store.models import Ticket
from station.store.models_reservations import MailOutbox, Reservation, ReservationSlot, TicketWatch

OPEN_STATES = ("booked", "checked_in")  # a booking that still holds its place and its card


# --- places per slot ------------------------------------------------------------------------------------

def slot_rows(s: Session, day: date, category: str) -> dict[str, ReservationSlot]:
    return {r.slot: r for r in s.scalars(select(ReservationSlot).where(
        ReservationSlot.day == day, ReservationSlot.category == category))}


def slot_rows_for_days(s: Session, days: Sequence[date], category: str) -> dict[tuple[date, str], ReservationSlot]:
    if not days:
        return {}
    return {(r.day, r.slot): r for r in s.scalars(select(ReservationSlot).where(
        ReservationSlot.day.in_(list(days)), ReservationSlot.category == category))}


def _ensure_slot(s: Session, day: date, category: str, slot: str) -> None:
    conn = s.connection()
    conn.execute(insert_on_conflict(conn, ReservationSlot).values(
        day=day, category=category, slot=slot, booked=0, closed=False, closed_reason="", updated_by="",
    ).on_conflict_do_nothing())


def take_place(s: Session, day: date, category: str, slot: str, derived_capacity: int) -> bool:
    """Take one place in the slot if one is free (and the slot is open): True when taken."""
    _ensure_slot(s, day, category, slot)
    t = ReservationSlot
    row = s.execute(
        update(t).where(t.day == day, t.category == category, t.slot == slot, t.closed.is_(False),
                        t.booked < func.coalesce(t.capacity, derived_capacity))
        .values(booked=t.booked + 1).returning(t.booked)
    ).first()
    return row is not None


def release_place(s: Session, day: date, category: str, slot: str) -> None:
    t = ReservationSlot
    s.execute(update(t).where(t.day == day, t.category == category, t.slot == slot, t.booked > 0)
              .values(booked=t.booked - 1))


def set_slot(s: Session, day: date, category: str, slot: str, *, capacity: int | None, closed: bool,
             reason: str, actor: str, now: datetime) -> None:
    _ensure_slot(s, day, category, slot)
    t = ReservationSlot
    s.execute(update(t).where(t.day == day, t.category == category, t.slot == slot).values(
        capacity=capacity, closed=closed, closed_reason=reason, updated_by=actor, updated_at=now))


# --- bookings -------------------------------------------------------------------------------------------

def add(s: Session, r: Reservation) -> Reservation:
    s.add(r)
    s.flush()  # the unique indexes (code, one open booking per card) answer here, inside the transaction
    return r


def by_code(s: Session, code: str, *, lock: bool = False) -> Reservation | None:
    stmt = select(Reservation).where(Reservation.code == code)
    if lock and s.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return s.scalars(stmt).first()


def by_id(s: Session, rid: int) -> Reservation | None:
    return s.get(Reservation, rid)


def open_for_card(s: Session, card_id: int) -> Reservation | None:
    return s.scalars(select(Reservation).where(Reservation.open_card_id == card_id)).first()


def open_for_notice(s: Session, notice_no: str, *, lock: bool = False) -> Reservation | None:
    stmt = select(Reservation).where(Reservation.notice_no == notice_no, Reservation.state.in_(OPEN_STATES))
    if lock and s.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return s.scalars(stmt.order_by(Reservation.starts_at)).first()


def of_day(s: Session, day: date, category: str | None = None) -> list[Reservation]:
    stmt = select(Reservation).where(Reservation.day == day)
    if category:
        stmt = stmt.where(Reservation.category == category)
    return list(s.scalars(stmt.order_by(Reservation.starts_at, Reservation.id)))


def _pg(s: Session) -> bool:
    return s.get_bind().dialect.name == "postgresql"


def in_slot(s: Session, day: date, category: str, slot: str) -> list[Reservation]:
    """The slot's open bookings, row-locked on PostgreSQL (a resident cancelling at the same moment waits, and
    the booking is then closed once: its place is given back once)."""
    stmt = select(Reservation).where(Reservation.day == day, Reservation.category == category,
                                     Reservation.slot == slot, Reservation.state.in_(OPEN_STATES))
    return list(s.scalars(stmt.with_for_update() if _pg(s) else stmt))


def due_no_shows(s: Session, now: datetime) -> list[Reservation]:
    """Booked, not checked in, and the slot has ended. Every daemon of an office sweeps: on PostgreSQL each
    takes the rows no other sweep holds (SKIP LOCKED), so a no-show is closed, and its place released, once."""
    stmt = select(Reservation).where(Reservation.state == "booked", Reservation.ends_at <= now)
    return list(s.scalars(stmt.with_for_update(skip_locked=True) if _pg(s) else stmt))


def due_purge(s: Session, before_day: date) -> list[Reservation]:
    """Bookings whose visit is over (or never came) and still hold personal data."""
    return list(s.scalars(select(Reservation).where(
        Reservation.purged_at.is_(None),
        ((Reservation.state.notin_(OPEN_STATES)) & (Reservation.day <= before_day))
        | (Reservation.day < before_day))))


def reminders_due(s: Session, day: date) -> list[Reservation]:
    return list(s.scalars(select(Reservation).where(
        Reservation.day == day, Reservation.state == "booked", Reservation.email.is_not(None))))


def counts(s: Session, day: date) -> dict[tuple[str, str, str], int]:
    """(category, source, state) → bookings that day (for the day's report)."""
    rows = s.execute(select(Reservation.category, Reservation.source, Reservation.state, func.count())
                     .where(Reservation.day == day)
                     .group_by(Reservation.category, Reservation.source, Reservation.state)).all()
    return {(c, src, st): int(n) for c, src, st, n in rows}


def documents_outcomes(s: Session, day: date) -> dict[str, int]:
    """Visitors of the day's issuance cases, and those sent home for documents (D-DOC-6), split by whether
    they had seen their checklist before the visit (a booking that showed it) or not (walk-ins included)."""
    from station.store.models_cases import Case

    rows = s.execute(
        select(Reservation.checklist_seen, Case.outcome).select_from(Case)
        .outerjoin(Reservation, Reservation.ticket_id == Case.ticket_id)
        .where(Case.business_date == day, Case.flow == "issuance", Case.outcome.is_not(None))).all()
    out = {"documents.seen.visits": 0, "documents.seen.returned": 0,
           "documents.unseen.visits": 0, "documents.unseen.returned": 0}
    for seen, outcome in rows:
        key = "seen" if seen else "unseen"
        out[f"documents.{key}.visits"] += 1
        out[f"documents.{key}.returned"] += outcome == "returned_documents"
    return out


def mark_checklist_seen(s: Session, card_id: int) -> None:
    s.execute(update(Reservation).where(Reservation.open_card_id == card_id).values(checklist_seen=True))


# --- the queue's priority pick (consulted by QueueService.call_next through its priority hook) ------------

def _callable_by(t: type[Ticket], day: date, categories: Sequence[str], counter_id: int) -> list[object]:
    """The conditions of call_next's own pick: waiting today, of the counter's categories or sent to it."""
    return [t.business_date == day, t.state == "waiting",
            (t.target_counter_id.is_(None) & t.category.in_(list(categories))) | (t.target_counter_id == counter_id)]


def priority_waiting(s: Session, day: date, categories: Sequence[str], counter_id: int) -> list[tuple[int, datetime]]:
    """(ticket id, checked in at) of checked-in bookings the counter could call now: few rows, from the day's
    bookings (the common case, nobody booked waiting, costs one small indexed query per call)."""
    t, r = Ticket, Reservation
    rows = s.execute(select(t.id, r.checked_in_at).join(r, r.ticket_id == t.id)
                     .where(r.day == day, r.priority.is_(True), *_callable_by(t, day, categories, counter_id))).all()
    return [(tid, since) for tid, since in rows]


def oldest_walk_in(s: Session, day: date, categories: Sequence[str], counter_id: int) -> tuple[int, datetime] | None:
    """The longest-waiting ticket without a booking's priority (the queue index, one row)."""
    t, r = Ticket, Reservation
    prio = select(r.id).where(r.ticket_id == t.id, r.priority.is_(True)).correlate(t).exists()
    row = s.execute(select(t.id, t.issued_at).where(*_callable_by(t, day, categories, counter_id), ~prio)
                    .order_by(t.issued_at, t.id).limit(1)).first()
    return (row[0], row[1]) if row else None


def reservations_in_a_row(s: Session, day: date, categories: Sequence[str], limit: int) -> int:
    """How many of the latest calls in these categories, newest first, were priority tickets, until a walk-in."""
    t, r = Ticket, Reservation
    rows = s.execute(
        select(r.priority).select_from(t)
        .outerjoin(r, and_(r.ticket_id == t.id, r.priority.is_(True)))
        .where(t.business_date == day, t.called_at.is_not(None), t.category.in_(list(categories)))
        .order_by(t.called_at.desc(), t.id.desc()).limit(limit + 1)
    ).all()
    n = 0
    for (prio,) in rows:
        if not prio:
            break
        n += 1
    return n


def priority_tickets(s: Session, day: date) -> list[tuple[int, str]]:
    """(ticket id, number) of the day's priority tickets."""
    rows = s.execute(select(Ticket.id, Ticket.number).join(Reservation, Reservation.ticket_id == Ticket.id).where(
        Reservation.day == day, Reservation.priority.is_(True)).order_by(Ticket.id)).all()
    return [(i, n) for i, n in rows]


def booked_waiting(s: Session, day: date, category: str, now: datetime, horizon: timedelta) -> int:
    """Booked visitors expected in the next `horizon` (or checked in and still waiting) for the wait estimate."""
    r = Reservation
    n = s.scalar(select(func.count()).select_from(r).where(
        r.day == day, r.category == category, r.state == "booked", r.starts_at <= now + horizon, r.ends_at > now))
    return int(n or 0)


# --- ticket watches ---------------------------------------------------------------------------------------

def put_watch(s: Session, ticket_id: int, email: str, ahead: int, now: datetime) -> None:
    conn = s.connection()
    stmt = insert_on_conflict(conn, TicketWatch).values(ticket_id=ticket_id, email=email, ahead=ahead, created_at=now)
    conn.execute(stmt.on_conflict_do_update(index_elements=["ticket_id"], set_={"email": email, "ahead": ahead}))


def watches(s: Session) -> list[TicketWatch]:
    return list(s.scalars(select(TicketWatch)))


def drop_watch(s: Session, ticket_id: int) -> None:
    s.execute(delete(TicketWatch).where(TicketWatch.ticket_id == ticket_id))


# --- mail outbox ------------------------------------------------------------------------------------------

def enqueue_mail(s: Session, *, dedupe: str, kind: str, to_addr: str, subject: str, body: str,
                 now: datetime, send_after: datetime | None = None, qr_text: str | None = None) -> None:
    """Add a mail unless one with the same dedupe key exists (a reminder is queued once, however often asked)."""
    conn = s.connection()
    conn.execute(insert_on_conflict(conn, MailOutbox).values(
        dedupe=dedupe[:80], kind=kind, to_addr=to_addr, subject=subject, body=body, qr_text=qr_text,
        state="pending", attempts=0,
        last_error="", created_at=now, send_after=send_after or now,
    ).on_conflict_do_nothing())


def claim_mail(s: Session, now: datetime, limit: int = 20) -> list[MailOutbox]:
    """Pending mails due now, marked `sending` in this transaction: no other sender takes them."""
    stmt = select(MailOutbox).where(MailOutbox.state == "pending", MailOutbox.send_after <= now) \
        .order_by(MailOutbox.send_after, MailOutbox.id).limit(limit)
    if s.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    rows = list(s.scalars(stmt))
    for m in rows:
        m.state = "sending"
        m.attempts += 1
    return rows


def mail_done(s: Session, mail_id: int, now: datetime) -> None:
    s.execute(update(MailOutbox).where(MailOutbox.id == mail_id).values(state="sent", sent_at=now, to_addr=None))


def mail_failed(s: Session, mail_id: int, error: str, retry_at: datetime | None) -> None:
    """A refused or unreachable send: back to pending for a later try, or failed for good."""
    values: dict[str, object] = {"last_error": error[:200]}
    values.update({"state": "pending", "send_after": retry_at} if retry_at else {"state": "failed", "to_addr": None})
    s.execute(update(MailOutbox).where(MailOutbox.id == mail_id).values(**values))


def outbox(s: Session, limit: int = 100) -> list[MailOutbox]:
    return list(s.scalars(select(MailOutbox).order_by(MailOutbox.id.desc()).limit(limit)))


# --- history for the congestion page ------------------------------------------------------------------------

def waits_on_days(s: Session, days: Sequence[date]) -> list[tuple[str, datetime, datetime]]:
    """(category, issued, called) of every called ticket of those days: the typical wait by hour."""
    if not days:
        return []
    rows = s.execute(select(Ticket.category, Ticket.issued_at, Ticket.called_at).where(
        Ticket.business_date.in_(list(days)), Ticket.called_at.is_not(None))).all()
    return [(c, i, k) for c, i, k in rows]


def now_called(s: Session, day: date) -> dict[str, str]:
    """Per category, the number called most recently today (what the display shows)."""
    out: dict[str, str] = {}
    for cat, number in s.execute(select(Ticket.category, Ticket.number).where(
            Ticket.business_date == day, Ticket.called_at.is_not(None)).order_by(Ticket.called_at)):
        out[cat] = number
    return out
