"""The event bus across daemons: PostgreSQL numbers each event, NOTIFY wakes every daemon's listener.

Publishing takes no office-wide lock. An event row is inserted either in the transaction of the change it
announces (`send_in`: committed with the change or not at all; NOTIFY fires at that commit) or on its own
(`send`). Sequence values are handed out at insert time but become visible at commit, so two publishers
may commit out of order: a reader can see seq 11 while seq 10 is still in flight (or was rolled back and
will never appear). The listener therefore delivers only a gap-free prefix. On a gap it inserts a
placeholder row (`_gap`) for each missing seq with ON CONFLICT DO NOTHING, which

- waits, on the primary-key index, for a publisher whose row with that seq is not committed yet, and then
  finds it (conflict: nothing inserted) — the late event is read and delivered in its place;
- claims the seq if it belongs to a rolled-back transaction, or to a publisher that has taken the number
  but not inserted its row yet. Such a publisher then meets the placeholder (its own INSERT … ON CONFLICT
  DO NOTHING returns no row) and inserts again with a new, higher seq: the event is not lost.

Either way the seq is settled by a committed row that every daemon reads, so all daemons deliver the same
events in the same order with the same numbers. After a dropped connection the listener reads everything
after the last seq it delivered: catch-up.

The previous design serialised every publisher on one advisory lock held across its commit (and the WAL
flush), which capped the whole office at a few hundred events per second and was the top wait in
pg_stat_activity under load (bench/office.py).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import psycopg
from sqlalchemy import Connection, Engine, delete, func, select, text

from station.events import Envelope, Event, EventBus, event_from_payload
from station.store.models_events import StoredEvent

log = logging.getLogger(__name__)
CHANNEL = "station_events"
KEEP = timedelta(days=2)
GAP = "_gap"  # the name of a placeholder row: a seq that carries no event
BATCH = 2000
MAX_GAP = 100_000  # larger gaps only come from rows pruned under a listener that lagged for days
_SEND = text(
    "WITH ins AS (INSERT INTO events (name, payload, at) VALUES (:name, :payload, :at) "
    "ON CONFLICT (seq) DO NOTHING RETURNING seq) "
    "SELECT seq, pg_notify(:ch, seq::text) FROM ins"
)
_FILL = text(
    "INSERT INTO events (seq, name, payload, at) SELECT g, :gap, '{}', :at "
    "FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS g "
    "ON CONFLICT (seq) DO NOTHING"
)


def _psycopg_dsn(engine: Engine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def insert_event(conn: Connection, event: Event) -> int:
    """Insert one event row (and its NOTIFY) on `conn`, in whatever transaction `conn` is in.

    Returns the seq. Retries with a new seq when a listener has already claimed the one this insert drew
    (see the module docstring): that can only happen to a publisher slower than the reader's gap check."""
    payload = json.dumps(event.payload(), ensure_ascii=False, default=str)
    params = {"name": event.name, "payload": payload, "at": event.at, "ch": CHANNEL}
    for _ in range(100):
        seq = conn.execute(_SEND, params).scalar()
        if seq is not None:
            return int(seq)
    raise RuntimeError("no free event sequence number after 100 tries")


class PgEventTransport:
    def __init__(self, engine: Engine, bus: EventBus, poll_interval: float = 1.0) -> None:
        self.engine = engine
        self.bus = bus
        self.poll_interval = poll_interval
        self.last_seq = 0  # everything up to here is settled and delivered on this daemon
        self.connected = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # sending ---------------------------------------------------------------------------------------
    def send(self, event: Event) -> None:
        """An event on its own (device status, a printed ticket …): one statement and its commit."""
        with self.engine.connect() as c:
            insert_event(c, event)
            c.commit()

    def send_in(self, conn: Connection, events: Sequence[Event]) -> None:
        """Events of a change, written in the change's own transaction on `conn`: they commit together
        (an audit entry, a state change and its announcement are never split), at one commit."""
        for event in events:
            insert_event(conn, event)

    def fetch_since(self, seq: int, limit: int = BATCH) -> list[Envelope]:
        """Events after `seq` that this daemon has already delivered (a settled, gap-free prefix): what a
        browser resuming from another daemon, or from before this daemon started, missed."""
        rows = self._rows(seq, limit, upto=self.last_seq)
        out = []
        for r in rows:
            ev = self._event(r.name, r.payload)
            if ev is not None:
                out.append(Envelope(r.seq, ev))
        return out

    def _rows(self, seq: int, limit: int, upto: int | None = None) -> list[Any]:
        stmt = (select(StoredEvent.seq, StoredEvent.name, StoredEvent.payload, StoredEvent.at)
                .where(StoredEvent.seq > seq).order_by(StoredEvent.seq).limit(limit))
        if upto is not None:
            stmt = stmt.where(StoredEvent.seq <= upto)
        with self.engine.connect() as c:
            return list(c.execute(stmt).all())

    @staticmethod
    def _event(name: str, payload: str) -> Event | None:
        if name == GAP:
            return None
        return event_from_payload(name, json.loads(payload))

    # listening -------------------------------------------------------------------------------------
    def start(self) -> None:
        with self.engine.connect() as c:
            self.last_seq = c.execute(select(func.coalesce(func.max(StoredEvent.seq), 0))).scalar_one()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="pg-events", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(5)
            self._thread = None

    def _settle(self, lo: int, hi: int, at: datetime) -> None:
        """Make seqs lo..hi final: wait for rows in flight, claim the ones nobody will write."""
        if hi - lo >= MAX_GAP:
            log.warning("event seqs %s..%s are gone (pruned); skipping them", lo, hi)
            self.last_seq = hi
            return
        with self.engine.connect() as c:
            c.execute(_FILL, {"gap": GAP, "at": at, "lo": lo, "hi": hi})
            c.commit()

    def _catch_up(self) -> None:
        while True:
            rows = self._rows(self.last_seq, BATCH)
            for r in rows:
                if r.seq > self.last_seq + 1:
                    self._settle(self.last_seq + 1, r.seq - 1, r.at)
                    break  # read again from last_seq: the gap now holds late events or placeholders
                ev = self._event(r.name, r.payload)
                if ev is not None:
                    self.bus.deliver(Envelope(r.seq, ev))
                self.last_seq = r.seq
            else:
                if len(rows) < BATCH:
                    return

    def _run(self) -> None:
        dsn = _psycopg_dsn(self.engine)
        while not self._stop.is_set():
            try:
                with psycopg.connect(dsn, autocommit=True, connect_timeout=3) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.connected.set()
                    self._prune()
                    self._catch_up()  # what happened while we were away
                    while not self._stop.is_set():
                        # Wake on a notification or after poll_interval; either way read what is new,
                        # so nothing depends on a notification arriving.
                        for _n in conn.notifies(timeout=self.poll_interval, stop_after=1):
                            pass
                        self._catch_up()
            except Exception as e:
                if self.connected.is_set():
                    log.warning("event listener lost the database (%s); reconnecting", type(e).__name__)
                self.connected.clear()
                self._stop.wait(0.5)

    def _prune(self) -> None:
        try:
            with self.engine.begin() as c:
                newest = c.execute(select(func.max(StoredEvent.at))).scalar()
                if newest is not None:
                    c.execute(delete(StoredEvent).where(StoredEvent.at < newest - KEEP))
        except Exception:
            log.debug("event pruning failed", exc_info=True)
