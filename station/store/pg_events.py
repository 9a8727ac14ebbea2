"""The event bus across daemons: PostgreSQL numbers each event, NOTIFY wakes every daemon's listener.

Publishing takes no office-wide lock. An event row is inserted either in the transaction of the change it
announces (`send_in`: committed with the change or not at all) or on its own (`send`); after the commit a
background thread sends one NOTIFY for whatever was committed meanwhile (`announce`).

Sequence values are handed out at insert time but become visible at commit, so two publishers may commit
out of order: a reader can see seq 11 while seq 10 is still in flight (or was rolled back and
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
    "INSERT INTO events (name, payload, at) VALUES (:name, :payload, :at) ON CONFLICT (seq) DO NOTHING RETURNING seq"
)
# The listener's statements, on its own psycopg connection
_READ_RAW = "SELECT seq, name, payload, at FROM events WHERE seq > %s ORDER BY seq LIMIT %s"
_FILL_RAW = (
    "INSERT INTO events (seq, name, payload, at) SELECT g, %s, '{}', %s "
    "FROM generate_series(%s::bigint, %s::bigint) AS g ON CONFLICT (seq) DO NOTHING"
)


def _seq(payload: str) -> int:
    """The seq a notification announces; -1 when unreadable (then the listener reads anyway)."""
    try:
        return int(payload)
    except ValueError:
        return -1


def _psycopg_dsn(engine: Engine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def insert_event(conn: Connection, event: Event) -> int:
    """Insert one event row on `conn`, in whatever transaction `conn` is in (the NOTIFY comes after its
    commit, from `PgEventTransport.announce`).

    Returns the seq. Retries with a new seq when a listener has already claimed the one this insert drew
    (see the module docstring): that can only happen to a publisher slower than the reader's gap check."""
    payload = json.dumps(event.payload(), ensure_ascii=False, default=str)
    params = {"name": event.name, "payload": payload, "at": event.at}
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
        self._notifier: threading.Thread | None = None
        self._wake = threading.Event()  # something was published here: NOTIFY the office
        self._published = 0  # the highest seq this daemon has inserted
        self._published_lock = threading.Lock()

    # sending ---------------------------------------------------------------------------------------
    def send(self, event: Event) -> None:
        """An event on its own (device status, a printed ticket …): one statement and its commit."""
        with self.engine.connect() as c:
            seq = insert_event(c, event)
            c.commit()
        self._inserted(seq)
        self.announce()

    def send_in(self, conn: Connection, events: Sequence[Event]) -> None:
        """Events of a change, written in the change's own transaction on `conn`: they commit together
        (an audit entry, a state change and its announcement are never split), at one commit. The caller
        calls `announce` after that commit."""
        for event in events:
            self._inserted(insert_event(conn, event))

    def _inserted(self, seq: int) -> None:
        with self._published_lock:
            self._published = max(self._published, seq)

    def announce(self) -> None:
        """Wake every daemon's listener — after the commit, from a background thread.

        Why not NOTIFY in the publishing transaction: PostgreSQL serialises the commits of all transactions
        that NOTIFY on one database-wide lock, held through the commit's WAL flush; under load that was the
        top wait again (as the advisory lock before it). Here one NOTIFY on the notifier's own connection
        covers however many events were committed since the last one, and a missed one costs at most the
        listeners' poll interval: delivery never depends on it."""
        self._wake.set()

    def _notify_loop(self) -> None:
        dsn = _psycopg_dsn(self.engine)
        conn: psycopg.Connection[Any] | None = None
        while not self._stop.is_set():
            if not self._wake.wait(0.5):
                continue
            self._wake.clear()
            with self._published_lock:
                seq = self._published
            try:
                if conn is None or conn.closed:
                    conn = psycopg.connect(dsn, autocommit=True, connect_timeout=3)
                conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, str(seq)))
            except Exception as e:  # the listeners' polling covers it; try a new connection next time
                log.debug("event notify failed (%s)", type(e).__name__)
                if conn is not None:
                    conn.close()
                conn = None
                self._stop.wait(0.2)
        if conn is not None:
            conn.close()

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
        self._notifier = threading.Thread(target=self._notify_loop, name="pg-events-notify", daemon=True)
        self._notifier.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        for t in (self._thread, self._notifier):
            if t:
                t.join(5)
        self._thread = self._notifier = None

    def _settle(self, conn: psycopg.Connection[Any], lo: int, hi: int, at: datetime) -> None:
        """Make seqs lo..hi final: wait for rows in flight, claim the ones nobody will write."""
        if hi - lo >= MAX_GAP:
            log.warning("event seqs %s..%s are gone (pruned); skipping them", lo, hi)
            self.last_seq = hi
            return
        conn.execute(_FILL_RAW, (GAP, at, lo, hi))

    def _catch_up(self, conn: psycopg.Connection[Any]) -> None:
        """Deliver every settled event after last_seq, reading on the listening connection itself
        (autocommit): no pool checkout, no transaction, no statement to build — this runs for nearly
        every event on every daemon."""
        while True:
            rows = conn.execute(_READ_RAW, (self.last_seq, BATCH)).fetchall()
            for seq, name, payload, at in rows:
                if seq > self.last_seq + 1:
                    self._settle(conn, self.last_seq + 1, seq - 1, at)
                    break  # read again from last_seq: the gap now holds late events or placeholders
                ev = self._event(name, payload)
                if ev is not None:
                    self.bus.deliver(Envelope(seq, ev))
                self.last_seq = seq
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
                    self._catch_up(conn)  # what happened while we were away
                    while not self._stop.is_set():
                        # Wake on a notification or after poll_interval; either way read what is new,
                        # so nothing depends on a notification arriving. A notification whose event an
                        # earlier read already delivered (one read takes every committed event) costs no
                        # query: under load that is most of them.
                        newest = 0
                        for n in conn.notifies(timeout=self.poll_interval, stop_after=1):
                            newest = _seq(n.payload)
                        if newest <= 0 or newest > self.last_seq:
                            self._catch_up(conn)
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
