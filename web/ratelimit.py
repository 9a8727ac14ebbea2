"""A per-client rate limit on issuing tickets over HTTP: the kiosk may not flood the queue.

`POST /api/tickets` from one client address is refused with 429 (Japanese first, with `retry_after_s` and a
Retry-After header) once it has issued `security.ticket_rate_per_minute` tickets in the last 60 seconds
(0: no limit). Why per address and in memory: the kiosk is an anonymous browser, so its address is the
only name it has; and each kiosk talks to one daemon, so that daemon's count is the kiosk's count.

Not limited: the dispenser button (station.devices → QueueService.issue, no HTTP at all), and callers
that authenticated with a session or an API token — staff and the office's own scripts, who are
accountable in the audit log. Time is the station clock, so tests drive it like everything else.
"""

from __future__ import annotations

import collections
import threading
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from fastapi import HTTPException, Request

if TYPE_CHECKING:
    from station.app import Station

WINDOW = timedelta(minutes=1)
MAX_CLIENTS = 10_000  # addresses remembered at most; past this, idle ones are forgotten first


class SlidingWindow:
    """At most `limit` hits per key within `WINDOW`; thread-safe (sync routes run in worker threads)."""

    def __init__(self) -> None:
        self._hits: dict[str, collections.deque[datetime]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, limit: int, now: datetime) -> float | None:
        """Count a hit for `key` and return None, or refuse: the seconds until the oldest hit leaves the window."""
        start = now - WINDOW
        with self._lock:
            q = self._hits.get(key)
            if q is None:
                if len(self._hits) >= MAX_CLIENTS:
                    self._forget_idle(start)
                q = self._hits[key] = collections.deque()
            while q and q[0] <= start:
                q.popleft()
            if len(q) >= limit:
                return max((q[0] - start).total_seconds(), 0.0)
            q.append(now)
            return None

    def _forget_idle(self, start: datetime) -> None:
        for key in [k for k, q in self._hits.items() if not q or q[-1] <= start]:
            del self._hits[key]
        if len(self._hits) >= MAX_CLIENTS:  # all busy: start again rather than grow without bound
            self._hits.clear()


def _window(request: Request) -> SlidingWindow:
    state = request.app.state
    window = getattr(state, "ticket_rate_window", None)
    if window is None:  # one per app; made on first use (a benign race: at worst one extra, unused)
        window = state.ticket_rate_window = SlidingWindow()
    return window


def ticket_rate_limit(request: Request) -> None:
    """FastAPI dependency for `POST /api/tickets` (runs after the app-wide security check has set
    request.state.user)."""
    station: Station = request.app.state.station
    limit = station.settings.security.ticket_rate_per_minute  # a person takes seconds per ticket; 30/min is a flood
    if limit <= 0 or getattr(request.state, "user", None) is not None:
        return
    client = request.client.host if request.client else ""
    retry = _window(request).hit(client, limit, station.clock.now())
    if retry is None:
        return
    wait_s = max(1, int(retry + 0.999))
    raise HTTPException(
        status_code=429,
        detail={
            "message_ja": f"番号札の発行が続いたため、しばらく発行できません。{wait_s}秒ほど待ってから"
                          "もう一度お試しください。お困りの方は係員にお声がけください",
            "message_en": f"too many tickets from this terminal ({limit} a minute): try again in {wait_s} s",
            "retry_after_s": wait_s,
        },
        headers={"Retry-After": str(wait_s)},
    )
