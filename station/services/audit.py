"""The audit log: who did what, when, from where. Callers pass ids and numbers, never personal data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection
from sqlalchemy import insert as sql_insert
from sqlalchemy.orm import Session

from station.ops.logs import request_id
from station.store.models import AuditEntry


@dataclass(frozen=True)
class Actor:
    """Who acts: a user, a device or the system, and from which client address."""

    name: str
    client: str = ""

    @classmethod
    def system(cls) -> Actor:
        return cls("system")


_INSERT = sql_insert(AuditEntry)


def record(
    tx: Session | Connection,
    at: datetime,
    actor: Actor,
    action: str,
    target: str = "",
    detail: str = "",
    ticket_id: int | None = None,
) -> None:
    """Add an entry in the caller's transaction, so the change and its record commit together.

    `tx` is the caller's Session, or — on hot paths that write through the transaction's connection
    without the ORM's unit of work — that Connection."""
    row = {"at": at, "actor": actor.name, "action": action, "target": target, "detail": detail,
           "client": actor.client, "ticket_id": ticket_id, "request_id": request_id.get()}
    if isinstance(tx, Connection):
        tx.execute(_INSERT, row)
    else:
        tx.add(AuditEntry(**row))
