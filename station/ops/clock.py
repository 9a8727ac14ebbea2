"""The daemon's clock against the database server's, at start and every hour (PostgreSQL offices).

Why: the daemons of one office stamp tickets with their own PC's clock, and the queue orders visitors and
computes waits by those stamps. A counter PC whose clock drifted by a minute would put its kiosk's
visitors ahead of or behind everyone else's. The database server is the one clock all daemons reach, so
each daemon compares itself with it and, above the threshold, says so in the log (journald) and on its
panel (a "clock" light, through the usual device-status event). On SQLite (one PC) there is nothing
to compare with: the check does not run.

The offset is the midpoint of the query's round trip minus the server's `clock_timestamp()`, so a slow
network adds at most half its round trip to the figure.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import text

from station.events import DeviceStatusChanged
from station.messages import both

if TYPE_CHECKING:
    from station.app import Station

log = logging.getLogger(__name__)

# Tickets are stamped to the second and a wait is shown in minutes: two seconds apart is already worth
# fixing (NTP keeps PCs within milliseconds), long before anyone sees visitors out of order.
MAX_OFFSET_S = 2.0
EVERY_S = 3600.0
# While the clock is off, check more often, so the warning reaches panels opened since and clears soon
# after the clock is fixed.
EVERY_WHILE_OFF_S = 300.0


@dataclass(frozen=True)
class ClockReading:
    offset_seconds: float  # this PC minus the database server
    round_trip_seconds: float

    @property
    def ok(self) -> bool:
        return abs(self.offset_seconds) <= MAX_OFFSET_S


class ClockCheck:
    """Started by `station run` beside the daemon; `check()` is also callable on its own (tests, CLI)."""

    def __init__(self, station: Station, *, wall: Callable[[], float] = time.time,
                 every_s: float = EVERY_S) -> None:
        self.station = station
        self.wall = wall
        self.every_s = every_s
        self.last: ClockReading | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def applies(self) -> bool:
        return self.station.engine.dialect.name == "postgresql"

    def read(self) -> ClockReading:
        with self.station.engine.connect() as conn:
            before = self.wall()
            server = float(conn.execute(text("SELECT EXTRACT(EPOCH FROM clock_timestamp())")).scalar())  # type: ignore[arg-type]
            after = self.wall()
        return ClockReading((before + after) / 2 - server, after - before)

    def check(self) -> ClockReading | None:
        """One comparison: log it, tell the panels when it is off (or back), remember it for /metrics."""
        if not self.applies:
            return None
        try:
            reading = self.read()
        except Exception as e:  # the database is away: the daemon says so elsewhere; try again later
            log.warning("clock check: database not reachable (%s)", type(e).__name__)
            return None
        was_ok = self.last.ok if self.last is not None else True
        self.last = reading
        if not reading.ok:
            ja, en = both("ops.clock.skew", seconds=f"{reading.offset_seconds:+.1f}", limit=MAX_OFFSET_S)
            log.warning("%s / %s", ja, en)
            self._announce("degraded", ja, en)
        else:
            log.info("clock check: %+.3f s from the database server (round trip %.3f s)",
                     reading.offset_seconds, reading.round_trip_seconds)
            if not was_ok:
                self._announce("ok", "", "")
        return reading

    def _announce(self, health: str, ja: str, en: str) -> None:
        st = self.station
        st.bus.publish(DeviceStatusChanged(at=st.clock.now(), counter_id=st.settings.counter_id, device="clock",
                                           health=health, reason_ja=ja, reason_en=en))

    def start(self) -> ClockCheck:
        if self.applies and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="clock-check", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.is_set():
            reading = self.check()
            self._stop.wait(self.every_s if reading is None or reading.ok else min(self.every_s, EVERY_WHILE_OFF_S))
