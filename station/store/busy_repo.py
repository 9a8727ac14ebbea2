"""Busy-time mode's SQL (issue 14): the only code that reads or writes busy_periods."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from station.store.models_busy import BusyPeriod


def current(s: Session, lock: bool = False) -> BusyPeriod | None:
    stmt = select(BusyPeriod).where(BusyPeriod.ended_at.is_(None)).order_by(BusyPeriod.id.desc())
    if lock and s.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return s.scalars(stmt).first()


def add(s: Session, p: BusyPeriod) -> BusyPeriod:
    s.add(p)
    s.flush()
    return p


def overlapping(s: Session, start: datetime, end: datetime) -> list[BusyPeriod]:
    return list(s.scalars(select(BusyPeriod).where(BusyPeriod.started_at < end,
                                                   or_(BusyPeriod.ended_at.is_(None), BusyPeriod.ended_at > start))
                          .order_by(BusyPeriod.id)))
