"""Reading the audit log (writing is `Change.audit`, in each change's own transaction).

Why apart: the supervisor's audit page filters by day, actor and action prefix; how that becomes SQL
(a LIKE with its wildcards escaped) is store knowledge, not the auth service's.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from station.store.models import AuditEntry


def entries(s: Session, start: datetime, end: datetime, actor: str | None = None, action: str | None = None,
            limit: int = 200) -> list[AuditEntry]:
    """Entries from `start` to `end`, newest first; `action` matches a prefix literally."""
    stmt = select(AuditEntry).where(AuditEntry.at >= start, AuditEntry.at < end)
    if actor:
        stmt = stmt.where(AuditEntry.actor == actor)
    if action:
        esc = action.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(AuditEntry.action.like(esc + "%", escape="\\"))
    return list(s.scalars(stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)))
