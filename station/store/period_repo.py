"""The SQL of the period report (D-ALL-1, issue 17): every count of the daily report grouped by business day,
and the durations (wait, walk, service) grouped into 0.1-minute buckets, over any range of days.

Why grouped in SQL: a month of a 600-a-day office is 18 000 tickets and a year 220 000; the report must answer
in bounded time and memory, so nothing here returns one row per ticket. Durations come back as (group, bucket,
count): the number of rows is bounded by the distinct bucket values, not by the visitors. This module is the
only one that knows the dialect (julianday on SQLite, EXTRACT(EPOCH) on PostgreSQL).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Integer, and_, case, cast, func, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from station.domain.period import BUCKETS_PER_MINUTE
from station.domain.timezone import TOKYO
from station.store.models import AuditEntry, Ticket
from station.store.models_cases import Case, CaseConsent, Handover
from station.store.models_phone import PhoneCall

SPANS = {  # kind → (from column, to column)
    "wait": (Ticket.issued_at, Ticket.called_at),
    "walk": (Ticket.called_at, Ticket.started_at),
    "service": (Ticket.started_at, Ticket.finished_at),
}


def _dialect(s: Session) -> str:
    return s.get_bind().dialect.name


def _seconds(s: Session, a: Any, b: Any) -> ColumnElement[Any]:
    if _dialect(s) == "postgresql":
        return func.extract("epoch", b - a)
    return (func.julianday(b) - func.julianday(a)) * 86400.0


def _bucket(s: Session, a: Any, b: Any) -> ColumnElement[Any]:
    # seconds to the millisecond first: julianday's float arithmetic makes 309 s into 308.99999
    return cast(func.round(func.round(_seconds(s, a, b), 3) / (60.0 / BUCKETS_PER_MINUTE)), Integer)


def _hour(s: Session, at: Any) -> ColumnElement[Any]:
    """The hour in Tokyo (no summer time, so a fixed +9 is exact)."""
    if _dialect(s) == "postgresql":
        return cast(func.extract("hour", func.timezone(TOKYO.key, at)), Integer)
    return cast(func.strftime("%H", at, "+9 hours"), Integer)


def _cat() -> ColumnElement[Any]:
    return func.coalesce(Ticket.original_category, Ticket.category)  # counted where the visitor started


def ticket_states(s: Session, start: date, end: date) -> list[tuple[date, str, str, int]]:
    """(day, category, state, tickets)."""
    q = (select(Ticket.business_date, _cat(), Ticket.state, func.count())
         .where(Ticket.business_date.between(start, end))
         .group_by(Ticket.business_date, _cat(), Ticket.state))
    return [(d, c, st, int(n)) for d, c, st, n in s.execute(q).all()]


def span_hist(s: Session, start: date, end: date, kind: str) -> list[tuple[str, int, int, int]]:
    """(category, hour the span began, bucket, count) of one kind of duration."""
    a, b = SPANS[kind]
    bucket, hour = _bucket(s, a, b), _hour(s, a)
    q = (select(_cat(), hour, bucket, func.count())
         .where(Ticket.business_date.between(start, end), a.is_not(None), b.is_not(None))
         .group_by(_cat(), hour, bucket))
    return [(c, int(h), int(k), int(n)) for c, h, k, n in s.execute(q).all()]


def span_hist_by_day(s: Session, start: date, end: date, kind: str) -> list[tuple[date, int, int]]:
    """(day, bucket, count): the per-day median and p90."""
    a, b = SPANS[kind]
    bucket = _bucket(s, a, b)
    q = (select(Ticket.business_date, bucket, func.count())
         .where(Ticket.business_date.between(start, end), a.is_not(None), b.is_not(None))
         .group_by(Ticket.business_date, bucket))
    return [(d, int(k), int(n)) for d, k, n in s.execute(q).all()]


def case_outcomes(s: Session, start: date, end: date) -> list[tuple[date, str, str, int]]:
    q = (select(Case.business_date, Case.procedure, Case.outcome, func.count())
         .where(Case.business_date.between(start, end))
         .group_by(Case.business_date, Case.procedure, Case.outcome))
    return [(d, p, o or "open", int(n)) for d, p, o, n in s.execute(q).all()]


def _flag(cond: ColumnElement[Any]) -> ColumnElement[Any]:
    return func.sum(case((cond, 1), else_=0))


CASE_FLAGS: dict[str, ColumnElement[Any]] = {
    "issued": Case.outcome == "issued",
    "issued_renewals": and_(Case.outcome == "issued", Case.is_renewal.is_(True)),
    "returned_documents": Case.outcome == "returned_documents",
    "documents_slips": Case.documents_slip.is_(True),
    "renewal_guidance": Case.renewal_guidance.is_(True),
    "pin_reset_guidance": Case.pin_reset_guidance.is_(True),
    "insurance_applications": Case.insurance_applied.is_(True),
    "public_funds_registrations": Case.public_funds_registered.is_(True),
}


def case_flags(s: Session, start: date, end: date) -> dict[date, dict[str, int]]:
    """Per day: cases and each flag count of the daily report (one grouped statement)."""
    cols = [func.count().label("cases_total")] + [_flag(c).label(k) for k, c in CASE_FLAGS.items()]
    q = select(Case.business_date, *cols).where(Case.business_date.between(start, end)).group_by(Case.business_date)
    out: dict[date, dict[str, int]] = {}
    for row in s.execute(q).all():
        m = row._mapping
        out[row[0]] = {k: int(m[k] or 0) for k in ("cases_total", *CASE_FLAGS)}
    return out


def collected(s: Session, start: date, end: date) -> list[tuple[date, str, int]]:
    """(day, comma-joined kinds, cases): few distinct combinations, split by the service."""
    q = (select(Case.business_date, Case.collected, func.count())
         .where(Case.business_date.between(start, end), Case.collected != "")
         .group_by(Case.business_date, Case.collected))
    return [(d, k, int(n)) for d, k, n in s.execute(q).all()]


def consents(s: Session, start: date, end: date) -> list[tuple[date, str, int]]:
    q = (select(Case.business_date, CaseConsent.kind, func.count()).select_from(CaseConsent)
         .join(Case, Case.id == CaseConsent.case_id)
         .where(Case.business_date.between(start, end)).group_by(Case.business_date, CaseConsent.kind))
    return [(d, k, int(n)) for d, k, n in s.execute(q).all()]


def handovers(s: Session, start: date, end: date) -> list[tuple[date, str, int]]:
    q = (select(Handover.business_date, Handover.reason, func.count())
         .where(Handover.business_date.between(start, end)).group_by(Handover.business_date, Handover.reason))
    return [(d, r, int(n)) for d, r, n in s.execute(q).all()]


def phone_categories(s: Session, start: date, end: date) -> list[tuple[date, int, int]]:
    q = (select(PhoneCall.business_date, PhoneCall.category, func.count())
         .where(PhoneCall.business_date.between(start, end)).group_by(PhoneCall.business_date, PhoneCall.category))
    return [(d, int(c), int(n)) for d, c, n in s.execute(q).all()]


def phone_escalations(s: Session, start: date, end: date) -> list[tuple[date, str, int]]:
    q = (select(PhoneCall.business_date, PhoneCall.escalation, func.count())
         .where(PhoneCall.business_date.between(start, end), PhoneCall.escalation.is_not(None))
         .group_by(PhoneCall.business_date, PhoneCall.escalation))
    return [(d, str(e), int(n)) for d, e, n in s.execute(q).all()]


def phone_flags(s: Session, start: date, end: date) -> dict[date, tuple[int, int]]:
    """Per day: (trivial calls, stale-notice calls)."""
    q = (select(PhoneCall.business_date, _flag(PhoneCall.trivial.is_(True)), _flag(PhoneCall.stale.is_(True)))
         .where(PhoneCall.business_date.between(start, end)).group_by(PhoneCall.business_date))
    return {d: (int(t or 0), int(st or 0)) for d, t, st in s.execute(q).all()}


# --- per counter and per clerk ----------------------------------------------------------------------------
def counter_days(s: Session, start: date, end: date) -> list[tuple[int, date, str, int, float, float, float]]:
    """(counter, day, state, tickets, busy seconds call→finish, first call, last finish as Unix seconds).

    Span and busy time only for tickets that were called and finished at the counter."""
    return _actor_days(s, start, end, Ticket.counter_id, None)


def counter_changes(s: Session, since: datetime, until: datetime) -> list[tuple[str, str, str, datetime]]:
    """(counter id as text, actor, state, at) of every counter open / pause / close in [since, until), in
    order: the pauses that idle time leaves out. Few rows (a handful a counter a day)."""
    q = (select(AuditEntry.target, AuditEntry.actor, AuditEntry.action, AuditEntry.at)
         .where(AuditEntry.action.in_(("counter.open", "counter.paused", "counter.closed")),
                AuditEntry.at >= since, AuditEntry.at < until).order_by(AuditEntry.at, AuditEntry.id))
    return [(t, a, act.removeprefix("counter."), at) for t, a, act, at in s.execute(q).all()]


def clerk_days(s: Session, start: date, end: date) -> list[tuple[str, date, str, int, float, float, float]]:
    """The same per clerk: the clerk is whoever finished (or marked no-show / cancelled) the ticket, as the
    audit log says (the row written in the same transaction as the state change)."""
    return _actor_days(s, start, end, AuditEntry.actor, AuditEntry.action.in_(
        ("ticket.finish", "ticket.no-show", "ticket.cancel")))


def _actor_days(s: Session, start: date, end: date, who: Any, audit_cond: Any) -> list[Any]:
    base = literal("1970-01-01 00:00:00") if _dialect(s) != "postgresql" else func.to_timestamp(0)  # epoch s
    first = func.min(_seconds(s, base, Ticket.called_at))
    last = func.max(_seconds(s, base, Ticket.finished_at))
    busy = func.sum(_seconds(s, Ticket.called_at, Ticket.finished_at))
    q = select(who, Ticket.business_date, Ticket.state, func.count(), busy, first, last).select_from(Ticket)
    if audit_cond is not None:
        q = q.join(AuditEntry, and_(AuditEntry.ticket_id == Ticket.id, audit_cond))
    q = (q.where(Ticket.business_date.between(start, end), who.is_not(None), Ticket.called_at.is_not(None),
                 Ticket.finished_at.is_not(None))
         .group_by(who, Ticket.business_date, Ticket.state))
    return [(w, d, st, int(n), float(b or 0), float(f or 0), float(la or 0)) for w, d, st, n, b, f, la
            in s.execute(q).all()]


def service_hist_by(s: Session, start: date, end: date, by_clerk: bool) -> list[tuple[Any, int, int]]:
    """(counter or clerk, service bucket, count) of finished visits."""
    a, b = SPANS["service"]
    bucket = _bucket(s, a, b)
    who: Any = AuditEntry.actor if by_clerk else Ticket.counter_id
    q = select(who, bucket, func.count()).select_from(Ticket).where(
        Ticket.business_date.between(start, end), a.is_not(None), b.is_not(None), Ticket.state == "done",
        who.is_not(None))
    if by_clerk:
        q = q.join(AuditEntry, and_(AuditEntry.ticket_id == Ticket.id, AuditEntry.action == "ticket.finish"))
    q = q.group_by(who, bucket)
    return [(w, int(k), int(n)) for w, k, n in s.execute(q).all()]


def handovers_by(s: Session, start: date, end: date, by_clerk: bool) -> list[tuple[Any, int]]:
    """Handovers to city staff per requesting clerk, or per counter of the case."""
    who: Any = Handover.requested_by if by_clerk else Case.counter_id
    q = (select(who, func.count()).select_from(Handover).join(Case, Case.id == Handover.case_id)
         .where(Handover.business_date.between(start, end), who.is_not(None)).group_by(who))
    return [(w, int(n)) for w, n in s.execute(q).all()]


def visits_of_day(s: Session, day: date) -> list[tuple[int, str, str, Any, Any, Any]]:
    """(id, category at issue, state, issued, called, finished) of one day's tickets, for the staffing replay
    (one day: at most the day's visitors, never a period's)."""
    q = (select(Ticket.id, _cat(), Ticket.state, Ticket.issued_at, Ticket.called_at, Ticket.finished_at)
         .where(Ticket.business_date == day).order_by(Ticket.issued_at, Ticket.id))
    return list(s.execute(q).all())
