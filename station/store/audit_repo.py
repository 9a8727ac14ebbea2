"""The audit log's SQL: writing an entry in the caller's transaction, and reading the log.

Why apart: the supervisor's audit page filters by day, actor and action prefix; how that becomes SQL
(a LIKE with its wildcards escaped) is store knowledge, not the auth service's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy import Connection, select
from sqlalchemy import insert as sql_insert
from sqlalchemy.orm import Session

from station.request_context import request_id
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


class _Who(Protocol):  # station.domain.actor.Actor
    """Who acts (`station.services.audit.Actor`): a name and the client address."""

    name: str
    client: str


_INSERT = sql_insert(AuditEntry)


def record(
    tx: Session | Connection,
    at: datetime,
    actor: _Who,
    action: str,
    target: str = "",
    detail: str = "",
    ticket_id: int | None = None,
) -> None:
    """Add an entry in the caller's transaction, so the change and its record commit together.

    `tx` is the caller's Session, or — on hot paths that write through the transaction's connection
    without the ORM's unit of work — that Connection."""
    row = {"at": at, "actor": actor.name, "action": action, "target": target, "detail": detail,
           "client": actor.client, "ticket_id": ticket_id,
           "request_id": request_id.get()}
    if isinstance(tx, Connection):
        tx.execute(_INSERT, row)
    else:
        tx.add(AuditEntry(**row))
