"""The phone desk's SQL (D-TEL): the only code that reads or writes `phone_calls`.

Why apart: the use cases (station.services.phone) decide the transaction and the wording; this module
decides how a slip is stored, counted and emptied of personal details (D-ALL-2). Every function takes the
caller's Session.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from station.store.models_cases import Handover
from station.store.models_phone import PhoneCall

# The personal columns of a slip: emptied on purge.
PERSONAL: dict[str, None] = {"content": None, "response": None, "caller_name": None, "caller_phone": None,
                             "lookup_ref": None}


def add(s: Session, call: PhoneCall) -> PhoneCall:
    s.add(call)
    s.flush()
    return call


def of_day(s: Session, day: date, limit: int) -> list[PhoneCall]:
    return list(s.scalars(select(PhoneCall).where(PhoneCall.business_date == day)
                          .order_by(PhoneCall.id.desc()).limit(limit)))


def purge_case(s: Session, case_id: int, now: datetime) -> None:
    """The escalated call's personal details go with its case's."""
    s.execute(update(PhoneCall).where(PhoneCall.case_id == case_id, PhoneCall.purged_at.is_(None))
              .values(**PERSONAL, purged_at=now))


def purge_day(s: Session, day: date, now: datetime, include_escalated: bool) -> int:
    """Empty the personal columns of a day's calls; calls still with city staff keep theirs unless
    `include_escalated`. Returns how many calls were purged."""
    cond = [PhoneCall.business_date == day, PhoneCall.purged_at.is_(None)]
    if not include_escalated:
        open_handovers = select(Handover.id).where(Handover.state != "closed")
        cond.append((PhoneCall.handover_id.is_(None)) | (PhoneCall.handover_id.not_in(open_handovers)))
    res = s.execute(update(PhoneCall).where(*cond).values(**PERSONAL, purged_at=now)
                    .execution_options(synchronize_session=False))
    return int(res.rowcount or 0)


def days_not_purged(s: Session, cutoff: date) -> set[date]:
    return {d for (d,) in s.execute(select(PhoneCall.business_date).where(
        PhoneCall.business_date <= cutoff, PhoneCall.purged_at.is_(None)).distinct())}


def counts(s: Session, day: date) -> tuple[dict[int, int], dict[str, int], int, int]:
    """(calls per category, escalations per kind, trivial calls, stale-notice calls) of one day."""
    by_cat = {int(c): int(n) for c, n in s.execute(
        select(PhoneCall.category, func.count()).where(PhoneCall.business_date == day)
        .group_by(PhoneCall.category)).all()}
    esc = {str(e): int(n) for e, n in s.execute(
        select(PhoneCall.escalation, func.count()).where(PhoneCall.business_date == day,
                                                         PhoneCall.escalation.is_not(None))
        .group_by(PhoneCall.escalation)).all()}
    trivial = int(s.scalar(select(func.count()).select_from(PhoneCall).where(
        PhoneCall.business_date == day, PhoneCall.trivial.is_(True))) or 0)
    stale = int(s.scalar(select(func.count()).select_from(PhoneCall).where(
        PhoneCall.business_date == day, PhoneCall.stale.is_(True))) or 0)
    return by_cat, esc, trivial, stale
