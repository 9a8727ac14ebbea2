"""Which transport carries the event bus across daemons: the one place that decides it from the dialect.

PostgreSQL: events are rows numbered by the database and NOTIFY wakes every daemon (`pg_events`).
SQLite: one PC, one process — the in-process bus alone, no transport.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Engine

if TYPE_CHECKING:
    from station.events import EventBus
    from station.store.pg_events import PgEventTransport


def event_transport_for(engine: Engine, bus: EventBus) -> PgEventTransport | None:
    """The bus's cross-daemon transport for this database, or None when the process is the only listener."""
    if engine.dialect.name != "postgresql":
        return None
    from station.store.pg_events import PgEventTransport  # psycopg is needed only on PostgreSQL

    return PgEventTransport(engine, bus)
