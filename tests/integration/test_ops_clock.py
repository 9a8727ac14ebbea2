"""The clock check: a daemon compares its PC's clock with the PostgreSQL server's and, when they are
more than two seconds apart, warns in the log, on its panel (a device-status event) and in /metrics."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from fastapi.testclient import TestClient

from station.app import Station
from station.events import DeviceStatusChanged, Envelope
from station.ops.clock import MAX_OFFSET_S, ClockCheck
from web.app import create_app


def test_clock_within_the_threshold_says_nothing_to_the_panel(pg_station: Station) -> None:
    seen: list[Envelope] = []
    pg_station.bus.add_listener(seen.append)
    reading = ClockCheck(pg_station).check()
    assert reading is not None and reading.ok and abs(reading.offset_seconds) < 0.5  # one machine, one clock
    assert not [e for e in seen if isinstance(e.event, DeviceStatusChanged)]


class Lights:
    """The clock's device-status events as a panel gets them (on PostgreSQL, back through the server)."""

    def __init__(self, st: Station) -> None:
        self.seen: list[DeviceStatusChanged] = []
        self.cond = threading.Condition()
        st.bus.add_listener(self._on)

    def _on(self, env: Envelope) -> None:
        if isinstance(env.event, DeviceStatusChanged) and env.event.device == "clock":
            with self.cond:
                self.seen.append(env.event)
                self.cond.notify_all()

    def wait_for(self, n: int) -> DeviceStatusChanged:
        with self.cond:
            assert self.cond.wait_for(lambda: len(self.seen) >= n, 10), self.seen
            return self.seen[n - 1]


def test_a_clock_off_by_half_a_minute_warns_and_clears(pg_station: Station, caplog: pytest.LogCaptureFixture) -> None:
    lights = Lights(pg_station)
    skew = 30.0
    check = ClockCheck(pg_station, wall=lambda: time.time() + skew)
    with caplog.at_level(logging.WARNING, logger="station.ops.clock"):
        reading = check.check()
    assert reading is not None and not reading.ok and reading.offset_seconds == pytest.approx(skew, abs=1)
    assert any("+30" in r.getMessage() and "timedatectl" in r.getMessage() for r in caplog.records)
    off = lights.wait_for(1)
    assert off.health == "degraded" and "+30" in off.reason_ja and "timedatectl" in off.reason_en

    pg_station.clock_check = check  # type: ignore[attr-defined]  # as `station run` sets it
    with TestClient(create_app(pg_station, manage_lifecycle=False)) as c:
        line = next(ln for ln in c.get("/metrics").text.splitlines() if ln.startswith("station_clock_offset_seconds"))
    assert float(line.split()[-1]) == pytest.approx(skew, abs=1)

    skew = 0.0  # the clock was fixed: the panel's light goes back to OK
    assert check.check().ok  # type: ignore[union-attr]
    assert lights.wait_for(2).health == "ok" and len(lights.seen) == 2 and MAX_OFFSET_S == 2.0


def test_on_sqlite_there_is_no_server_clock_to_compare(station: Station) -> None:
    check = ClockCheck(station)
    assert not check.applies and check.check() is None
    check.start()
    assert check._thread is None
