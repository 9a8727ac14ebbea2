"""The daemon's clock. Nothing in station/ reads the system clock except through one of these.

`--clock now` is real time; `--clock open` runs from the next opening time when the office is closed
(so a newcomer at 22:00 sees a working counter); `--clock 2026-12-01T10:00` starts at that local time.
The non-real clocks tick in real time from their start, and say so, so the screens can show
「時刻はシミュレーションです」.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from typing import Protocol

from station.domain.calendar import BusinessCalendar, is_open, next_opening
from station.domain.timezone import TOKYO


class Clock(Protocol):
    simulated: bool

    def now(self) -> datetime: ...


class SystemClock:
    simulated = False

    def now(self) -> datetime:
        return datetime.now(TOKYO)


class TickingClock:
    """Starts at a chosen local time and advances with the real (monotonic) clock."""

    simulated = True

    def __init__(self, start: datetime) -> None:
        self._start = start.astimezone(TOKYO)
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._t0)


class ManualClock:
    """A clock that moves only when told to: for tests, instead of waiting."""

    simulated = True

    def __init__(self, start: datetime) -> None:
        self._now = start.astimezone(TOKYO)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, at: datetime) -> None:
        with self._lock:
            self._now = at.astimezone(TOKYO)

    def advance(self, **kw: float) -> None:
        with self._lock:
            self._now += timedelta(**kw)


class ClockSpecError(ValueError):
    pass


def clock_from_spec(spec: str, calendar: BusinessCalendar, real_now: datetime | None = None) -> Clock:
    """Build the clock the command line asked for ("now", "open", or an ISO local time)."""
    if spec == "now":
        return SystemClock()
    now = real_now or datetime.now(TOKYO)
    if spec == "open":
        if is_open(calendar, now):
            return SystemClock()
        nxt = next_opening(calendar, now)
        if nxt is None:
            return SystemClock()
        # A few minutes after opening, so the first press is not on the boundary.
        return TickingClock(nxt.opens_at() + timedelta(minutes=5))
    anchor: float | None = None
    if "@" in spec:  # "2026-12-01T10:00@1764550000.0": it was that local time at that real epoch second
        spec, _, epoch = spec.partition("@")
        try:
            anchor = float(epoch)
        except ValueError as e:
            raise ClockSpecError(f"--clock の @ の後は UNIX 時刻です: {epoch!r}") from e
    try:
        start = datetime.fromisoformat(spec)
    except ValueError as e:
        raise ClockSpecError(
            f"--clock は now / open / 2026-12-01T10:00 の形式で指定してください: {spec!r}"
        ) from e
    if start.tzinfo is None:
        start = start.replace(tzinfo=TOKYO)
    if anchor is not None:  # several daemons of one office then share one simulated time
        start += timedelta(seconds=time.time() - anchor)
    return TickingClock(start)


def anchored_spec(clock: Clock) -> str:
    """A --clock value that makes another process tick exactly like `clock` from now on."""
    if not clock.simulated:
        return "now"
    return f"{clock.now().replace(tzinfo=None).isoformat()}@{time.time()}"
