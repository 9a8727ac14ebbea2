"""The public congestion page (混雑状況) and the visitor's "mail me when my turn is near".

Why cached: the page is public and many residents poll it; one answer is computed at most every few
seconds per daemon and shared (with an ETag), so residents never load the counter's database. It holds
no personal data and no ticket ids: counts, the number being called, estimates, hours.
The typical wait by hour comes from the office's own history: called tickets of the same weekday in
the last eight weeks, median per hour of issue.
"""

from __future__ import annotations

import hashlib
import logging
import statistics
import threading
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from station.domain.calendar import TOKYO, business_date, dispenser_decision, hours_on
from station.messages import text
from station.services.errors import Conflict, Invalid
from station.services.reservation_views import HourlyView, PublicCategoryView, PublicStatusView, WatchView
from station.store import reservations_repo as repo

if TYPE_CHECKING:
    from station.services.reservations import ReservationService

HISTORY_WEEKS = 8
log = logging.getLogger(__name__)


class Congestion:
    def __init__(self, svc: ReservationService, ttl: timedelta = timedelta(seconds=5),
                 min_age: timedelta = timedelta(seconds=1)) -> None:
        self.svc = svc
        self.ttl = ttl
        self.min_age = min_age
        self._lock = threading.Lock()
        self._computing = threading.Lock()
        self._cached: tuple[datetime, int, PublicStatusView, str] | None = None
        self._history: tuple[date, dict[str, dict[int, int]]] | None = None

    def cached(self) -> tuple[PublicStatusView, str] | None:
        """The shared answer without any database work, or None when the caller must wait for a new one.

        Fresh (younger than `ttl`, and no event since or younger than `min_age`): served as it is. Younger than
        `ttl` but a number was called since: served as it is too, while one background refresh runs (so a
        busy office costs one computation a second, and no resident's request waits for it). Older than
        `ttl`, or none yet: None — the web layer then calls `status()` in a worker thread."""
        now = self.svc.clock.now()
        seq = self.svc.uow.bus.last_seq
        with self._lock:
            c = self._cached
        if c is None:
            return None
        age = now - c[0]
        if age < timedelta(0) or age >= self.ttl:
            return None
        if c[1] != seq and age >= self.min_age:
            self._refresh_soon()
        return c[2], c[3]

    def _refresh_soon(self) -> None:
        if not self._computing.acquire(blocking=False):
            return  # one refresh at a time

        def run() -> None:
            try:
                self._store(self.svc.clock.now())
            except Exception:  # the next request tries again; the page keeps its last answer meanwhile
                log.exception("congestion refresh failed")
            finally:
                self._computing.release()

        threading.Thread(target=run, name="congestion-refresh", daemon=True).start()

    def _store(self, now: datetime) -> tuple[PublicStatusView, str]:
        seq = self.svc.uow.bus.last_seq
        view = self._compute(now)
        body = view.model_dump_json(exclude={"now"})
        etag = '"' + hashlib.sha1(body.encode()).hexdigest()[:16] + '"'
        with self._lock:
            self._cached = (now, seq, view, etag)
        return view, etag

    def status(self) -> tuple[PublicStatusView, str]:
        """The page's data and its ETag, computing it when there is no usable answer (one at a time)."""
        hit = self.cached()
        if hit is not None:
            return hit
        with self._computing:
            now = self.svc.clock.now()
            with self._lock:
                c = self._cached
            if c is not None and timedelta(0) <= now - c[0] < self.ttl:
                return c[2], c[3]  # another caller computed it while this one waited
            return self._store(now)

    def invalidate(self) -> None:
        with self._lock:
            self._cached = None

    def _compute(self, now: datetime) -> PublicStatusView:
        svc = self.svc
        day = business_date(now)
        cal = svc.calendar()
        hours = hours_on(cal, day)
        statuses = {c.code: c for c in svc.queue.categories_status()}
        with svc.reads() as s:
            calling = repo.now_called(s, day)
        history = self._typical(day)
        out = []
        for cat in svc.settings.categories:
            st = statuses.get(cat.code)
            cutoff = cat.cutoff_minutes if cat.cutoff_minutes is not None else \
                svc.settings.calendar.default_cutoff_minutes
            decision = dispenser_decision(cal, now, cutoff)
            waiting = st.waiting if st else 0
            est = st.estimated_wait_min if st else 0  # the queue's estimate counts booked visitors due soon
            out.append(PublicCategoryView(
                code=cat.code, name_ja=cat.name_ja, name_en=cat.name_en, waiting=waiting,
                now_calling=calling.get(cat.code), estimated_wait_min=est, accepting=decision.accepts,
                accepting_until=decision.closes_at, message_ja=text(decision.reason, "ja"),
                typical_by_hour=[HourlyView(hour=h, typical_wait_min=m)
                                 for h, m in sorted(history.get(cat.code, {}).items())],
            ))
        return PublicStatusView(now=now, open_today=hours is not None,
                                opens=f"{hours.opens:%H:%M}" if hours else None,
                                closes=f"{hours.closes:%H:%M}" if hours else None, categories=out)

    def _typical(self, day: date) -> dict[str, dict[int, int]]:
        """Median wait (minutes) per category and hour on this weekday: computed once per day."""
        h = self._history
        if h is not None and h[0] == day:
            return h[1]
        days = [day - timedelta(weeks=w) for w in range(1, HISTORY_WEEKS + 1)]
        with self.svc.reads() as s:
            rows = repo.waits_on_days(s, days)
        waits: dict[str, dict[int, list[float]]] = {}
        for cat, issued, called in rows:
            hour = issued.astimezone(TOKYO).hour
            waits.setdefault(cat, {}).setdefault(hour, []).append((called - issued).total_seconds() / 60)
        result = {cat: {hour: round(statistics.median(v)) for hour, v in hours.items()} for cat, hours in waits.items()}
        self._history = (day, result)
        return result

    # --- the ticket status page's "mail me" ------------------------------------------------------------------
    def watch(self, token: str, email: str, ahead: int | None = None) -> WatchView:
        """Keep the address until the mail is sent or the ticket ends (then it is deleted)."""
        from station.messages import both

        svc = self.svc
        address = svc._email(email)
        if address is None:
            raise Invalid("reservations.bad_email", field="email")
        t = svc.queue.by_token(token[:64])
        if t.state not in ("waiting",):
            raise Conflict("reservations.watch.ended")
        n = ahead if ahead is not None else svc.settings.reservations.notify_ahead
        n = max(1, min(n, 50))
        now = svc.clock.now()
        with svc.uow.change() as ch:
            repo.put_watch(ch.session, t.id, address, n, now)
        ja, en = both("reservations.watch.saved", ahead=n)
        return WatchView(ahead=n, message_ja=ja, message_en=en)
