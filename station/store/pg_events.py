"""The event bus across daemons: PostgreSQL numbers each event, NOTIFY wakes every daemon's listener.

Why an advisory lock around the insert: sequence values are handed out at insert time but become
visible at commit; two concurrent publishers could commit out of order, and a reader that already
moved past seq 11 would never see seq 10. Serialising publishers makes seq order commit order.
After a dropped connection the listener reads everything after the last seq it delivered: catch-up.
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import timedelta

import psycopg
from sqlalchemy import Engine, delete, func, select, text

from station.events import Envelope, Event, EventBus, event_from_payload
from station.store.models_events import StoredEvent

log = logging.getLogger(__name__)
CHANNEL = "station_events"
LOCK_KEY = 0x57A710  # pg_advisory_xact_lock key for event publishing
KEEP = timedelta(days=2)
_SEND = text(
    "WITH l AS (SELECT pg_advisory_xact_lock(:k)), "
    "ins AS (INSERT INTO events (name, payload, at) SELECT :name, :payload, :at FROM l RETURNING seq) "
    "SELECT pg_notify(:ch, seq::text) FROM ins"
)


def _psycopg_dsn(engine: Engine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


class PgEventTransport:
    def __init__(self, engine: Engine, bus: EventBus, poll_interval: float = 1.0) -> None:
        self.engine = engine
        self.bus = bus
        self.poll_interval = poll_interval
        self.last_seq = 0
        self.connected = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # sending ---------------------------------------------------------------------------------------
    def send(self, event: Event) -> None:
        """One statement, one round trip: take the publishing lock, insert, notify, commit.

        Several statements in a transaction held the office-wide lock across round trips (and across
        Python thread switches in a busy daemon); one statement holds it only while PostgreSQL works."""
        payload = json.dumps(event.payload(), ensure_ascii=False, default=str)
        with self.engine.connect() as c:
            c.execute(_SEND, {"k": LOCK_KEY, "name": event.name, "payload": payload, "at": event.at, "ch": CHANNEL})
            c.commit()

    def fetch_since(self, seq: int, limit: int = 2000) -> list[Envelope]:
        with self.engine.connect() as c:
            rows = c.execute(
                select(StoredEvent.seq, StoredEvent.name, StoredEvent.payload)
                .where(StoredEvent.seq > seq).order_by(StoredEvent.seq).limit(limit)
            ).all()
        out = []
        for r in rows:
            ev = event_from_payload(r.name, json.loads(r.payload))
            if ev is not None:
                out.append(Envelope(r.seq, ev))
        return out

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

    def _catch_up(self) -> None:
        while True:
            batch = self.fetch_since(self.last_seq)
            for env in batch:
                self.bus.deliver(env)
                self.last_seq = env.seq
            if len(batch) < 2000:
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
