"""One unit of work for every service: the change, its audit entry and its events in one transaction.

Why one place: a screen update must never announce a change that did not commit, and must never be lost
when a change did commit. On PostgreSQL the events are written inside the change's own transaction
(`EventBus.publish_in`, LISTEN/NOTIFY wakes the other daemons after the commit), so the change, its audit
entry and its events commit together or not at all. Alone on SQLite (one PC, one process) the events are
handed to the in-process bus right after the commit — the process that committed is the only listener,
so the commit and the delivery cannot be separated by another daemon's crash.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from station.store import audit_repo

if TYPE_CHECKING:
    from station.domain.actor import Actor
    from station.events import Event, EventBus


@dataclass
class Change:
    """What one use case writes: rows through `session`, events through `publish`, audit through `audit`."""

    session: Session
    events: list[Event] = field(default_factory=list)
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    erased_personal: bool = False

    def publish(self, *events: Event) -> None:
        """Announce these events if, and only if, the change commits."""
        self.events.extend(events)

    def audit(self, at: datetime, actor: Actor, action: str, target: str = "", detail: str = "",
              ticket_id: int | None = None) -> None:
        """Record who did what in the same transaction as the change."""
        audit_repo.record(self.session, at, actor, action, target, detail, ticket_id)

    def erased(self) -> None:
        """This change purges personal data: after the commit the database files are scrubbed of it
        (station/store/db.py `scrub_deleted`), so nothing purged stays readable in the WAL (issue 13)."""
        self.erased_personal = True

    def then(self, fn: Callable[[], None]) -> None:
        """Run `fn` after the commit (printing a slip, waking a device): never for a rolled-back change."""
        self.after_commit.append(fn)


class UnitOfWork:
    """Opens write transactions whose events and audit entries commit with them."""

    def __init__(self, sessions: sessionmaker[Session], bus: EventBus) -> None:
        self.sessions = sessions
        self.bus = bus

    @contextmanager
    def change(self) -> Iterator[Change]:
        staged = False
        with self.sessions.begin() as s:
            ch = Change(s)
            yield ch
            if ch.events:
                s.flush()  # the change first: its row locks are taken before the event's seq is drawn
                staged = self.bus.publish_in(s.connection(), ch.events)
        if staged:
            self.bus.announce()
        else:
            for event in ch.events:
                self.bus.publish(event)
        if ch.erased_personal:
            from station.store.db import scrub_deleted  # db imports the models, which come back here

            scrub_deleted(self.sessions.kw["bind"])
        for fn in ch.after_commit:
            fn()
