"""The SQL of counter cases and their handovers: the only code that queries the case tables and the only
place in the case noun that knows which database it runs on (row locks exist on PostgreSQL only; SQLite
has one writer at a time, so a write transaction is already exclusive).

Functions take the caller's session, so a use case reads and writes in its own unit of work.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from station.domain.case_flow import OPEN_STATES
from station.store.models import Ticket
from station.store.models_cases import Case, CaseConsent, CaseStep, Handover


def _locked(s: Session, stmt: Select[Any]) -> Select[Any]:
    return stmt.with_for_update() if s.get_bind().dialect.name == "postgresql" else stmt


def load(s: Session, case_id: int, lock: bool = False) -> Case | None:
    """One case; `lock` holds its row until the transaction ends (PostgreSQL: other counters wait)."""
    stmt = select(Case).where(Case.id == case_id)
    return s.scalars(_locked(s, stmt) if lock else stmt).first()


def exists(s: Session, case_id: int) -> bool:
    return s.scalar(select(Case.id).where(Case.id == case_id)) is not None


def counter_of(s: Session, case_id: int) -> tuple[bool, int | None]:
    """(the case exists, its counter) without loading the case."""
    row = s.execute(select(Case.counter_id).where(Case.id == case_id)).first()
    return (row is not None, row[0] if row is not None else None)


def ticket_of(s: Session, case_id: int) -> int | None:
    """The ticket a case belongs to (None: a walk-up, or no such case)."""
    return s.scalar(select(Case.ticket_id).where(Case.id == case_id))


def load_handover(s: Session, handover_id: int, lock: bool = False) -> Handover | None:
    stmt = select(Handover).where(Handover.id == handover_id)
    return s.scalars(_locked(s, stmt) if lock else stmt).first()


def steps(s: Session, case_id: int) -> list[CaseStep]:
    """Every step of a case, undone ones too, in the order they were done."""
    return list(s.scalars(select(CaseStep).where(CaseStep.case_id == case_id).order_by(CaseStep.id)))


def live_steps(s: Session, case_id: int) -> list[CaseStep]:
    """The steps that stand (not undone), in order."""
    return list(s.scalars(select(CaseStep).where(CaseStep.case_id == case_id, CaseStep.undone_at.is_(None))
                          .order_by(CaseStep.id)))


def consents(s: Session, case_id: int) -> list[CaseConsent]:
    return list(s.scalars(select(CaseConsent).where(CaseConsent.case_id == case_id).order_by(CaseConsent.id)))


def latest_handover(s: Session, case_id: int) -> Handover | None:
    return s.scalars(select(Handover).where(Handover.case_id == case_id).order_by(Handover.id.desc())).first()


def handovers_of(s: Session, case_id: int) -> list[Handover]:
    return list(s.scalars(select(Handover).where(Handover.case_id == case_id)))


def ticket(s: Session, ticket_id: int) -> Ticket | None:
    return s.get(Ticket, ticket_id)


def open_case_of_ticket(s: Session, ticket_id: int) -> tuple[int, str] | None:
    """The newest open case of a ticket as (id, procedure)."""
    row = s.execute(select(Case.id, Case.procedure).where(
        Case.ticket_id == ticket_id, Case.state.in_(OPEN_STATES)).order_by(Case.id.desc())).first()
    return (row[0], row[1]) if row is not None else None


def active_for_counter(s: Session, counter_id: int) -> Case | None:
    return s.scalars(select(Case).where(Case.counter_id == counter_id, Case.state.in_(OPEN_STATES))
                     .order_by(Case.id.desc())).first()


def for_day(s: Session, day: date, counter_id: int | None, limit: int, offset: int = 0) -> list[Case]:
    stmt = select(Case).where(Case.business_date == day)
    if counter_id is not None:
        stmt = stmt.where(Case.counter_id == counter_id)
    return list(s.scalars(stmt.order_by(Case.id.desc()).offset(offset).limit(limit)))


def awaiting_staff_ids(s: Session) -> list[int]:
    return list(s.scalars(select(Case.id).where(Case.state == "awaiting_staff").order_by(Case.opened_at)))


def to_purge(s: Session, day: date, include_open: bool) -> Iterable[Case]:
    """A day's cases still holding personal data: the closed ones, or (forced) all."""
    states = () if include_open else (Case.state == "closed",)
    return s.scalars(select(Case).where(Case.business_date == day, *states, Case.purged_at.is_(None)))


def handovers(s: Session, states: tuple[str, ...], day: date | None) -> list[tuple[Handover, Case]]:
    stmt = select(Handover, Case).join(Case, Case.id == Handover.case_id).where(Handover.state.in_(states))
    if day is not None:
        stmt = stmt.where(Handover.business_date == day)
    return [(h, c) for h, c in s.execute(stmt.order_by(Handover.requested_at, Handover.id)).all()]


@dataclass(frozen=True)
class DayCounts:
    """Raw counts of one day's cases, nothing personal (D-ALL-1)."""

    by_procedure: dict[str, dict[str, int]]
    handovers: dict[str, int]
    collected: dict[str, int]
    consents: dict[str, int]
    flags: dict[str, int]


def counts_for(s: Session, day: date) -> DayCounts:
    by_proc: dict[str, dict[str, int]] = {}
    for proc, outcome, n in s.execute(
        select(Case.procedure, Case.outcome, func.count()).where(Case.business_date == day)
        .group_by(Case.procedure, Case.outcome)
    ).all():
        by_proc.setdefault(proc, {})[outcome or "open"] = int(n)

    def count(*cond: Any) -> int:
        return int(s.scalar(select(func.count()).select_from(Case).where(Case.business_date == day, *cond)) or 0)

    handovers = {r: int(n) for r, n in s.execute(
        select(Handover.reason, func.count()).where(Handover.business_date == day).group_by(Handover.reason)
    ).all()}
    collected: dict[str, int] = {}
    for (kinds,) in s.execute(select(Case.collected).where(Case.business_date == day, Case.collected != "")):
        for k in kinds.split(","):
            collected[k] = collected.get(k, 0) + 1
    consents = {k: int(n) for k, n in s.execute(
        select(CaseConsent.kind, func.count()).join(Case, Case.id == CaseConsent.case_id)
        .where(Case.business_date == day).group_by(CaseConsent.kind)).all()}
    flags = {
        "cases_total": count(),
        "issued": count(Case.outcome == "issued"),
        "issued_renewals": count(Case.outcome == "issued", Case.is_renewal.is_(True)),
        "returned_documents": count(Case.outcome == "returned_documents"),
        "documents_slips": count(Case.documents_slip.is_(True)),
        "renewal_guidance": count(Case.renewal_guidance.is_(True)),
        "pin_reset_guidance": count(Case.pin_reset_guidance.is_(True)),
        "insurance_applications": count(Case.insurance_applied.is_(True)),
        "public_funds_registrations": count(Case.public_funds_registered.is_(True)),
        "open": count(Case.state.in_(OPEN_STATES)),
    }
    return DayCounts(by_proc, handovers, collected, consents, flags)


def collected_for(s: Session, day: date) -> list[Case]:
    """The day's cases that collected something, in order (notices, 通知カード/紛失届, 住基カード …)."""
    return list(s.scalars(select(Case).where(Case.business_date == day, Case.collected != "").order_by(Case.id)))
