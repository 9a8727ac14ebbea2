"""City staff's follow-through (issue 14): the only code that reads or writes handover_outcomes,
urgent_alerts, handover_callbacks and staff_receipts. Every function takes the caller's Session."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from station.store.models_followup import (
    Callback,
    HandoverForward,
    HandoverOutcome,
    Preprint,
    StaffReceipt,
    UrgentAlert,
)


def _locked(s: Session, stmt: Any, lock: bool) -> Any:
    return stmt.with_for_update() if lock and s.get_bind().dialect.name == "postgresql" else stmt


def add(s: Session, row: Any) -> Any:
    s.add(row)
    s.flush()
    return row


# --- outcomes ---------------------------------------------------------------------------------------
def outcome(s: Session, handover_id: int) -> HandoverOutcome | None:
    return s.get(HandoverOutcome, handover_id)


def outcome_counts(s: Session, day: date) -> dict[str, int]:
    return {code: int(n) for code, n in s.execute(
        select(HandoverOutcome.code, func.count()).where(HandoverOutcome.business_date == day)
        .group_by(HandoverOutcome.code))}


# --- urgent -----------------------------------------------------------------------------------------
def urgent(s: Session, alert_id: int, lock: bool = False) -> UrgentAlert | None:
    return s.scalars(_locked(s, select(UrgentAlert).where(UrgentAlert.id == alert_id), lock)).first()


def urgent_open(s: Session) -> list[UrgentAlert]:
    return list(s.scalars(select(UrgentAlert).where(UrgentAlert.acked_at.is_(None)).order_by(UrgentAlert.id)))


def urgent_of_day(s: Session, day: date) -> list[UrgentAlert]:
    return list(s.scalars(select(UrgentAlert).where(UrgentAlert.business_date == day).order_by(UrgentAlert.id)))


# --- call-backs -------------------------------------------------------------------------------------
def callback(s: Session, callback_id: int, lock: bool = False) -> Callback | None:
    return s.scalars(_locked(s, select(Callback).where(Callback.id == callback_id), lock)).first()


def callback_of(s: Session, handover_id: int) -> Callback | None:
    return s.scalars(select(Callback).where(Callback.handover_id == handover_id)).first()


def callbacks(s: Session, day: date | None, open_only: bool) -> list[Callback]:
    stmt = select(Callback).order_by(Callback.promised_at, Callback.id)
    if day is not None:
        stmt = stmt.where(Callback.business_date == day)
    if open_only:
        stmt = stmt.where(Callback.done_at.is_(None))
    return list(s.scalars(stmt))


# --- the end-of-day receipt -------------------------------------------------------------------------
def receipt(s: Session, day: date) -> StaffReceipt | None:
    return s.get(StaffReceipt, day)


# --- preprints (D-APP-3) ----------------------------------------------------------------------------
def preprint(s: Session, handover_id: int, lock: bool = False) -> Preprint | None:
    return s.scalars(_locked(s, select(Preprint).where(Preprint.handover_id == handover_id), lock)).first()


def preprints(s: Session, counter_id: int | None, pending_only: bool) -> list[Preprint]:
    stmt = select(Preprint).order_by(Preprint.printed_at)
    if counter_id is not None:
        stmt = stmt.where(Preprint.counter_id == counter_id)
    if pending_only:
        stmt = stmt.where(Preprint.given_at.is_(None))
    return list(s.scalars(stmt))


def preprints_of_day(s: Session, day: date) -> list[Preprint]:
    return list(s.scalars(select(Preprint).where(Preprint.business_date == day)))


# --- the 業務管理者's forwarding (D-OTH-4) -------------------------------------------------------------
def forwarded(s: Session, handover_ids: list[int]) -> set[int]:
    if not handover_ids:
        return set()
    return set(s.scalars(select(HandoverForward.handover_id).where(HandoverForward.handover_id.in_(handover_ids))))
