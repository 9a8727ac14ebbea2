"""The SQL of the daily report (D-ALL-1) and the end of day (D-BO-6, D-ALL-2): the tickets of a day, the
papers collected on its cases, what is still open, and the `backoffice_days` rows that say a day is closed.

Why apart: the report and the checklist only read across nouns (tickets, cases, handovers); keeping those
reads here leaves the services (station.services.reports, station.services.endofday) with the counting
and the wording, and the store with the only knowledge of tables and columns. Functions take the caller's
Session, so a use case decides the transaction.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from station.store.models import Ticket
from station.store.models_backoffice import BackofficeDay
from station.store.models_cases import Case, Handover


def tickets_of_day(s: Session, day: date) -> list[Any]:
    """(category, original_category, state, issued, called, started, finished) of every ticket of a day."""
    return list(s.execute(select(Ticket.category, Ticket.original_category, Ticket.state, Ticket.issued_at,
                                 Ticket.called_at, Ticket.started_at, Ticket.finished_at)
                          .where(Ticket.business_date == day)).all())


def closed_day(s: Session, day: date) -> BackofficeDay | None:
    return s.get(BackofficeDay, day)


def add_closed_day(s: Session, row: BackofficeDay) -> None:
    s.add(row)


def closed_days(s: Session, cutoff: date) -> set[date]:
    return {d for (d,) in s.execute(select(BackofficeDay.business_date).where(
        BackofficeDay.business_date <= cutoff))}


def collected_of_day(s: Session, day: date) -> list[Any]:
    """(case id, ticket number, counter, procedure, collected kinds, closed at) of the cases that kept papers."""
    return list(s.execute(select(Case.id, Case.ticket_number, Case.counter_id, Case.procedure, Case.collected,
                                 Case.closed_at)
                          .where(Case.business_date == day, Case.collected != "").order_by(Case.id)).all())


def open_counts(s: Session, day: date) -> tuple[int, int]:
    """(cases not closed, handovers not closed) of a day."""
    cases = int(s.scalar(select(func.count()).select_from(Case).where(
        Case.business_date == day, Case.state != "closed")) or 0)
    handovers = int(s.scalar(select(func.count()).select_from(Handover).where(
        Handover.business_date == day, Handover.state != "closed")) or 0)
    return cases, handovers


def open_cases_of_day(s: Session, day: date) -> list[tuple[int, str | None, int | None, str, str]]:
    """(id, ticket number, counter, procedure, state) of a day's cases not closed, oldest first."""
    return [tuple(r) for r in s.execute(select(Case.id, Case.ticket_number, Case.counter_id, Case.procedure,
                                               Case.state).where(Case.business_date == day, Case.state != "closed")
                                        .order_by(Case.id))]  # type: ignore[misc]


def issued_notices(s: Session, day: date, only_closed: bool) -> list[str]:
    """Notice numbers of the cards issued on a day's cases (closed ones only, unless forced)."""
    states = (Case.state == "closed",) if only_closed else ()
    return [n for (n,) in s.execute(select(Case.notice_no).where(
        Case.business_date == day, Case.notice_no.is_not(None), Case.outcome == "issued", *states))]


def case_days_not_purged(s: Session, cutoff: date) -> set[date]:
    return {d for (d,) in s.execute(select(Case.business_date).where(
        Case.business_date <= cutoff, Case.purged_at.is_(None)).distinct())}


def cases_not_purged(s: Session, day: date) -> int:
    return int(s.scalar(select(func.count()).select_from(Case).where(
        Case.business_date == day, Case.purged_at.is_(None))) or 0)
