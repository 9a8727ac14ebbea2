"""The daemon's clock. Nothing in station/ reads the system clock except through one of these.

`--clock now` is real time; `--clock open` runs from the next opening time when the office is closed
(so a newcomer at 22:00 sees a working counter); `--clock 2026-12-01T10:00` starts at that local time.
The non-real clocks tick in real time from their start, and say so, so the screens can show
「時刻はシミュレーションです」.
"""

from __future__ import annotations

import json
import os
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
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


CLOCK_FILE = "clock.json"


def write_installation_clock(data_dir: Path, clock: Clock) -> Path:
    """The daemon's clock, for every command beside it: one clock per installation (issue 12).

    `station run` writes its clock (as an anchored --clock value) and its process id into the data
    directory; `station report`, `station stock …` and the rest read it back, so an audit entry written by a
    command carries the same simulated time as the daemon's, not the real one.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / CLOCK_FILE
    path.write_text(json.dumps({"spec": anchored_spec(clock), "pid": os.getpid(),
                                "simulated": clock.simulated}), encoding="utf-8")
    return path


def remove_installation_clock(data_dir: Path) -> None:
    path = data_dir / CLOCK_FILE
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass


def installation_clock(data_dir: Path, calendar: BusinessCalendar) -> Clock:
    """The running daemon's clock if one runs on this data directory, else real time."""
    path = data_dir / CLOCK_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        pid = int(data["pid"])
        spec = str(data["spec"])
    except (OSError, ValueError, KeyError, TypeError):
        return SystemClock()
    if not _alive(pid):
        return SystemClock()  # a daemon that died left its file: real time again
    try:
        return clock_from_spec(spec, calendar)
    except ClockSpecError:
        return SystemClock()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
