"""Typed events and the in-process bus that carries them to screens.

Services publish from worker threads (FastAPI's sync endpoints, device threads); subscribers are
asyncio consumers (SSE streams). Every event gets a sequence number so that a browser that lost its
connection resumes with `Last-Event-ID` and misses nothing still in the buffer.
Events carry no personal data: ticket numbers, counters, device states only.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import functools
import itertools
import json
import logging
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class Event:
    name: ClassVar[str] = "event"
    at: datetime

    def payload(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["at"] = self.at.isoformat()
        return data


@dataclass(frozen=True, kw_only=True)
class TicketIssued(Event):
    name: ClassVar[str] = "ticket_issued"
    ticket_id: int
    number: str
    category: str
    waiting_ahead: int


@dataclass(frozen=True, kw_only=True)
class TicketCalled(Event):
    name: ClassVar[str] = "ticket_called"
    ticket_id: int
    number: str
    spoken: str
    category: str
    counter_id: int
    counter_name_ja: str
    recall: bool = False


@dataclass(frozen=True, kw_only=True)
class TicketStateChanged(Event):
    name: ClassVar[str] = "ticket_state_changed"
    ticket_id: int
    number: str
    category: str
    state: str
    counter_id: int | None = None
    action: str = ""


@dataclass(frozen=True, kw_only=True)
class TicketPrinted(Event):
    name: ClassVar[str] = "ticket_printed"
    ticket_id: int
    number: str
    printed: bool
    reason_ja: str = ""


@dataclass(frozen=True, kw_only=True)
class CounterStateChanged(Event):
    name: ClassVar[str] = "counter_state_changed"
    counter_id: int
    state: str


@dataclass(frozen=True, kw_only=True)
class DeviceStatusChanged(Event):
    name: ClassVar[str] = "device_status_changed"
    counter_id: int
    device: str
    health: str
    reason_ja: str = ""
    reason_en: str = ""


@dataclass(frozen=True, kw_only=True)
class CardInserted(Event):
    name: ClassVar[str] = "card_inserted"
    counter_id: int


@dataclass(frozen=True, kw_only=True)
class CardRead(Event):
    name: ClassVar[str] = "card_read"
    counter_id: int
    verdict: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class CardReadFailed(Event):
    name: ClassVar[str] = "card_read_failed"
    counter_id: int
    message_ja: str
    message_en: str = ""


@dataclass(frozen=True, kw_only=True)
class CardRemoved(Event):
    name: ClassVar[str] = "card_removed"
    counter_id: int


@dataclass(frozen=True, kw_only=True)
class Scanned(Event):
    name: ClassVar[str] = "scanned"
    counter_id: int
    kind: str  # ticket / notice / box / rejected
    value: str = ""  # canonical value (ticket id, notice number, box no.); never raw garbage
    message_ja: str = ""
    message_en: str = ""


@dataclass(frozen=True, kw_only=True)
class CaseUpdated(Event):
    """A counter case moved (a step done or undone, an outcome); ids and codes only, never personal data."""

    name: ClassVar[str] = "case_updated"
    case_id: int
    counter_id: int | None
    procedure: str
    state: str
    step: str = ""
    outcome: str | None = None
    ticket_number: str | None = None


@dataclass(frozen=True, kw_only=True)
class HandoverUpdated(Event):
    """A case handed to city staff, taken or closed (the staff queue follows these)."""

    name: ClassVar[str] = "handover_updated"
    handover_id: int
    case_id: int
    counter_id: int | None
    reason: str
    state: str


@dataclass(frozen=True, kw_only=True)
class UrgentUpdated(Event):
    """Trouble or police raised at a counter, or acknowledged (D-GUI-2): loud on every staff screen."""

    name: ClassVar[str] = "urgent_updated"
    alert_id: int
    kind: str
    counter_id: int | None
    state: str  # raised / acknowledged
    ack_seconds: int | None = None


@dataclass(frozen=True, kw_only=True)
class ConfigChanged(Event):
    """The admin screen changed the calendar, a counter's categories or a category's cut-off: every
    daemon reloads, every screen refreshes."""

    name: ClassVar[str] = "config_changed"
    what: str


@dataclass(frozen=True)
class Envelope:
    seq: int
    event: Event

    @functools.cached_property
    def data_json(self) -> str:
        """The event's payload as JSON, serialised once however many screens stream it."""
        return json.dumps(self.event.payload(), default=_jsonable)

    @functools.cached_property
    def sse_bytes(self) -> bytes:
        """The whole Server-Sent Events frame, encoded once for every screen that streams it."""
        return f"id: {self.seq}\nevent: {self.event.name}\ndata: {self.data_json}\n\n".encode()


def event_types() -> dict[str, type[Event]]:
    """Every event class by its wire name (for events that come back from another daemon)."""
    out: dict[str, type[Event]] = {}
    todo = list(Event.__subclasses__())
    while todo:
        cls = todo.pop()
        out[cls.name] = cls
        todo.extend(cls.__subclasses__())
    return out


_TYPES: dict[str, type[Event]] = {}


def event_from_payload(name: str, payload: dict[str, Any]) -> Event | None:
    cls = _TYPES.get(name)
    if cls is None:  # first use, or a class defined since: walk the classes again (not once per event)
        _TYPES.update(event_types())
        cls = _TYPES.get(name)
    if cls is None:
        return None
    data = dict(payload)
    data["at"] = datetime.fromisoformat(data["at"])
    return cls(**data)


class Transport(Protocol):
    """Carries events between daemons (PostgreSQL LISTEN/NOTIFY); it calls `EventBus.deliver` back."""

    def send(self, event: Event) -> None: ...

    def send_in(self, conn: Any, events: Sequence[Event]) -> None: ...

    def announce(self) -> None: ...

    def fetch_since(self, seq: int, limit: int) -> list[Envelope]: ...


class EventBus:
    """Fan-out of events to async subscribers, with a replay buffer for reconnecting clients.

    Alone (SQLite, one PC) the bus numbers events itself. With a transport (PostgreSQL, several
    daemons) every event makes a round trip through the database, which numbers it: all daemons then
    deliver the same events in the same order with the same sequence numbers, so a browser can resume
    from any daemon.
    """

    def __init__(self, buffer_size: int = 2000, queue_size: int = 1000) -> None:
        self.transport: Transport | None = None
        self._seq = itertools.count(1)
        self._buffer: collections.deque[Envelope] = collections.deque(maxlen=buffer_size)
        # Subscribers by the event loop they run on (in the daemon: uvicorn's one loop).
        self._subscribers: dict[asyncio.AbstractEventLoop, set[asyncio.Queue[Envelope | None]]] = {}
        self._lock = threading.Lock()
        self._queue_size = queue_size
        self._listeners: list[Callable[[Envelope], None]] = []

    def add_listener(self, fn: Callable[[Envelope], None]) -> None:
        """A synchronous listener (called in the publisher's thread); keep it quick."""
        self._listeners.append(fn)

    def publish_in(self, conn: Any, events: Sequence[Event]) -> bool:
        """Write the events of a change in the change's own transaction (`conn`, a SQLAlchemy Connection
        inside it), so they commit together with it — or not at all — and are announced at that commit.

        True when the transport took them (the caller then calls `announce` after its commit); False when
        there is none (SQLite, one PC): the caller then `publish`es them after its commit, as before. An
        error here fails the caller's transaction."""
        transport = self.transport
        if transport is None or not events:
            return False
        transport.send_in(conn, events)
        return True

    def announce(self) -> None:
        """After the commit of a transaction whose events went through `publish_in`: wake the daemons."""
        transport = self.transport
        if transport is not None:
            transport.announce()

    def publish(self, event: Event) -> None:
        """Safe from any thread."""
        if self.transport is not None:
            try:
                self.transport.send(event)
                return
            except Exception:  # the database is away: this daemon's own screens still hear it
                log.warning("event %s not bridged (database unreachable); delivered locally", event.name)
        # Numbering and handing out in one step: were the lock let go in between, a second thread could
        # number its event after this one yet hand it out first, and this one would then look "already
        # delivered" (a seq below the newest) and be dropped for every screen.
        with self._lock:
            env = Envelope(next(self._seq), event)
            self._append_locked(env)
        self._tell_listeners(env)

    def deliver(self, env: Envelope) -> None:
        """Hand an event with its sequence number to every subscriber and listener."""
        with self._lock:
            if self._buffer and env.seq <= self._buffer[-1].seq:
                return  # already delivered (a catch-up overlapping a notification)
            self._append_locked(env)
        self._tell_listeners(env)

    def _append_locked(self, env: Envelope) -> None:
        """Buffer the event and queue it for every subscriber, in seq order (the caller holds the lock;
        call_soon_threadsafe only queues a callback and never blocks). One wake-up per event loop, not
        per subscriber: each costs a write to the loop's self-pipe, and fifty displays share one loop."""
        self._buffer.append(env)
        self._seq = itertools.count(env.seq + 1)
        closed: list[asyncio.AbstractEventLoop] = []
        for loop, queues in self._subscribers.items():
            try:
                loop.call_soon_threadsafe(_offer_all, tuple(queues), env)
            except RuntimeError:  # loop closed
                closed.append(loop)
        for loop in closed:
            del self._subscribers[loop]

    def _tell_listeners(self, env: Envelope) -> None:
        for fn in self._listeners:
            try:
                fn(env)
            except Exception:
                log.exception("event listener failed")

    @property
    def last_seq(self) -> int:
        with self._lock:
            return self._buffer[-1].seq if self._buffer else 0

    def since(self, seq: int) -> list[Envelope]:
        with self._lock:
            return [e for e in self._buffer if e.seq > seq]

    async def subscribe(self, last_seq: int | None = None,
                        keepalive: float | None = None) -> AsyncIterator[Envelope | None]:
        """Yield events as they come; first those after `last_seq` still in the buffer.

        With `keepalive`, also yield None every that many seconds, so a stream can send a comment that
        keeps proxies from closing it and finds a vanished client. A timer per subscriber, not a timeout
        per event: events cost nothing extra."""
        loop = asyncio.get_running_loop()
        q: asyncio.Queue[Envelope | None] = asyncio.Queue(maxsize=self._queue_size)
        timer: asyncio.TimerHandle | None = None

        def tick() -> None:
            nonlocal timer
            if not q.full():
                q.put_nowait(None)
            timer = loop.call_later(keepalive, tick)  # type: ignore[arg-type]

        if keepalive:
            timer = loop.call_later(keepalive, tick)
        with self._lock:
            backlog = [e for e in self._buffer if last_seq is not None and e.seq > last_seq]
            oldest = self._buffer[0].seq if self._buffer else None
            self._subscribers.setdefault(loop, set()).add(q)
        if self.transport is not None and last_seq is not None and (oldest is None or oldest > last_seq + 1):
            # Resuming from before what this daemon has seen (it started later, or the client comes
            # from another daemon): the database still has the events.
            older = await asyncio.to_thread(self.transport.fetch_since, last_seq, self._buffer.maxlen or 2000)
            backlog = sorted({e.seq: e for e in older + backlog}.values(), key=lambda e: e.seq)
        try:
            sent = 0
            for env in backlog:
                sent = env.seq
                yield env
            while True:
                env = await q.get()
                if env is not None and env.seq <= sent:
                    continue
                yield env
        finally:
            if timer is not None:
                timer.cancel()
            with self._lock:
                queues = self._subscribers.get(loop)
                if queues is not None:
                    queues.discard(q)
                    if not queues:
                        del self._subscribers[loop]


def _jsonable(value: object) -> object:
    isoformat = getattr(value, "isoformat", None)  # dates and times as ISO 8601, like the JSON API
    return isoformat() if callable(isoformat) else str(value)


def _offer_all(queues: tuple[asyncio.Queue[Envelope | None], ...], env: Envelope) -> None:
    for q in queues:
        _offer(q, env)


def _offer(q: asyncio.Queue[Envelope | None], env: Envelope) -> None:
    """Drop the oldest event for a subscriber that cannot keep up rather than grow without bound."""
    if q.full():
        try:
            q.get_nowait()
        except asyncio.QueueEmpty:
            pass
    q.put_nowait(env)
