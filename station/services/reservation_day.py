"""The reservations' day: the board per slot, closing a slot, and the sweep (no-shows, reminders, purge).

Kept apart from booking (station/services/reservations.py) because these are the office's side: the
clerk panel and /admin read the board, a supervisor closes a slot, and a background round (`sweep`,
every half minute in the daemon, or called by tests with the clock where they want it) turns what time
decides into rows: a booking not checked in by its slot's end becomes a no-show and gives its place back,
tomorrow's bookings get their reminder queued once, and finished bookings lose their personal data.
"""

from __future__ import annotations

import logging
import threading
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from station.domain import reservation as rules
from station.domain.calendar import business_date
from station.services.audit import Actor
from station.services.errors import Conflict
from station.services.reservation_views import (
    BoardEntryView,
    BoardSlotView,
    DayBoardView,
    MailView,
    SlotClosedView,
)
from station.store import reservations_repo as repo

if TYPE_CHECKING:
    from station.services.reservations import ReservationService

log = logging.getLogger(__name__)


class ReservationDay:
    def __init__(self, svc: ReservationService) -> None:
        self.svc = svc
        self._stop = threading.Event()
        self._moved = threading.Event()  # a number was called or finished: look at the watched tickets soon
        self._thread: threading.Thread | None = None
        svc.uow.bus.add_listener(self._on_event)

    def _on_event(self, env: object) -> None:
        """Bus listener (publisher's thread, so only a flag): the queue moved, turn-near mail may be due."""
        if getattr(getattr(env, "event", None), "name", "") in ("ticket_called", "ticket_state_changed"):
            self._moved.set()

    # --- the board ------------------------------------------------------------------------------------------
    def board(self, day: date | None = None) -> DayBoardView:
        """Every slot of the day per bookable category, with its bookings (codes and states only)."""
        svc = self.svc
        now = svc.clock.now()
        day = day or business_date(now)
        numbers: dict[int, str] = {}
        with svc.reads() as s:
            bookings = repo.of_day(s, day)
            per_cat = {c: repo.slot_rows(s, day, c) for c in svc.rules.categories}
            documents = repo.documents_outcomes(s, day)
        for b in bookings:
            if b.ticket_id:
                try:
                    numbers[b.ticket_id] = svc.queue.get(b.ticket_id).number
                except Exception:  # a purged ticket: the board still shows the booking
                    pass
        slots: list[BoardSlotView] = []
        counts: dict[str, int] = dict(documents)
        for b in bookings:
            counts[b.state] = counts.get(b.state, 0) + 1
            counts[f"source.{b.source}"] = counts.get(f"source.{b.source}", 0) + 1
            if b.state == "checked_in" and not b.priority:
                counts["late"] = counts.get("late", 0) + 1
        for cat in svc.rules.categories:
            rows = per_cat[cat]
            derived = {sl.key: sl for sl in svc._derived_slots(day, cat)}
            for key in sorted(set(derived) | set(rows)):
                row = rows.get(key)
                cap = row.capacity if row is not None and row.capacity is not None else \
                    (derived[key].capacity if key in derived else 0)
                entries = [BoardEntryView(code=rules.qr_text(b.code), category=b.category, slot=b.slot, state=b.state,
                                          source=b.source, late=b.state == "checked_in" and not b.priority,
                                          number=numbers.get(b.ticket_id or 0))
                           for b in bookings if b.category == cat and b.slot == key]
                slots.append(BoardSlotView(category=cat, slot=key, capacity=cap, booked=row.booked if row else 0,
                                           closed=bool(row.closed) if row else False,
                                           closed_reason=row.closed_reason if row else "", entries=entries))
        return DayBoardView(day=day, slots=slots, counts=counts)

    def counts_for(self, day: date) -> dict[str, int]:
        """The day's reservation counts for the city's report (D-ALL-1), in the shape CaseService.counts_for
        has: by state, by source (web / phone / counter), late arrivals, and the visitors sent home for
        documents among those who had seen their checklist and those who had not. Nothing personal."""
        return dict(sorted(self.board(day).counts.items()))

    # --- closing a slot --------------------------------------------------------------------------------------
    def close_slot(self, day: date, category: str, slot: str, reason: str, actor: Actor) -> SlotClosedView:
        """No more bookings in the slot, and every open booking in it ends; residents with a mail get one."""
        svc = self.svc
        svc._category(category)
        if slot not in {sl.key for sl in svc._derived_slots(day, category)}:
            raise Conflict("reservations.slot_unknown")
        now = svc.clock.now()
        reason = reason.strip()[:200]
        mailed = 0
        with svc.uow.change() as ch:
            s = ch.session
            affected = repo.in_slot(s, day, category, slot)
            for r in affected:
                if r.email:
                    svc._mail(s, r, "slot_closed", now, reason=reason)
                    mailed += 1
                svc._close(s, r, "slot_closed", now)
            row = repo.slot_rows(s, day, category).get(slot)
            repo.set_slot(s, day, category, slot, capacity=row.capacity if row else None, closed=True,
                          reason=reason, actor=actor.name, now=now)
            ch.audit(now, actor, "reservation.slot_close", f"{category}:{day}:{slot}",
                     f"affected={len(affected)} reason={reason}")
            codes = [rules.qr_text(r.code) for r in affected]
            if mailed:
                ch.then(svc.on_mail)
        return SlotClosedView(day=day, category=category, slot=slot, affected=codes, mailed=mailed)

    def reopen_slot(self, day: date, category: str, slot: str, actor: Actor) -> None:
        svc = self.svc
        svc._category(category)
        now = svc.clock.now()
        with svc.uow.change() as ch:
            row = repo.slot_rows(ch.session, day, category).get(slot)
            repo.set_slot(ch.session, day, category, slot, capacity=row.capacity if row else None, closed=False,
                          reason="", actor=actor.name, now=now)
            ch.audit(now, actor, "reservation.slot_reopen", f"{category}:{day}:{slot}")

    # --- the sweep -----------------------------------------------------------------------------------------
    def sweep(self, now: datetime | None = None) -> dict[str, int]:
        """No-shows, reminders for tomorrow, purge of finished bookings, turn-near mail. Idempotent."""
        svc = self.svc
        now = now or svc.clock.now()
        today = business_date(now)
        done = {"no_show": 0, "reminders": 0, "purged": 0, "turn_near": 0}
        tomorrow = today + timedelta(days=1)
        with svc.reads() as s:  # the card stock is read before the write transaction, never inside it
            checklists = {r.id: svc._view(r, svc._record_of(r)) for r in repo.reminders_due(s, tomorrow)}
        with svc.uow.change() as ch:
            s = ch.session
            for r in repo.due_no_shows(s, now):
                svc._close(s, r, "no_show", now)
                ch.audit(now, Actor.system(), "reservation.no_show", r.code)
                done["no_show"] += 1
            for r in repo.reminders_due(s, tomorrow):
                svc._mail(s, r, "reminder", now, view=checklists.get(r.id), dedupe=f"reminder:{r.id}:{r.day}")
                done["reminders"] += 1
            for r in repo.due_purge(s, today):
                r.email = None
                r.birth_salt = None
                r.birth_digest = None
                r.purged_at = now
                done["purged"] += 1
            if done["purged"]:
                ch.audit(now, Actor.system(), "reservation.purge", "", f"count={done['purged']}")
            if done["reminders"]:
                ch.then(svc.on_mail)
        done["turn_near"] = self._turn_near(now)
        return done

    def _turn_near(self, now: datetime) -> int:
        """Tickets whose watcher asked to be told: mail when few enough are ahead; forget ended tickets."""
        svc = self.svc
        with svc.reads() as s:
            watches = [(w.ticket_id, w.email, w.ahead) for w in repo.watches(s)]
        sent = 0
        for ticket_id, email, ahead in watches:
            try:
                t = svc.queue.get(ticket_id)
            except Exception:
                t = None
            if t is not None and t.state == "waiting" and t.waiting_ahead > ahead:
                continue
            with svc.uow.change() as ch:
                if t is not None and t.state in ("waiting", "called"):
                    o = svc.settings.office
                    params = {"office": o.name, "number": t.number, "ahead": t.waiting_ahead}
                    repo.enqueue_mail(ch.session, dedupe=f"turn:{ticket_id}", kind="turn_near", to_addr=email,
                                      subject=svc_text("reservations.mail.turn_near.subject", params),
                                      body=svc_text("reservations.mail.turn_near.body", params), now=now)
                    ch.then(svc.on_mail)
                    sent += 1
                repo.drop_watch(ch.session, ticket_id)  # the address is kept only until it is used or the ticket ends
        return sent

    def outbox(self) -> list[MailView]:
        with self.svc.reads() as s:
            return [MailView(id=m.id, kind=m.kind, state=m.state, attempts=m.attempts, subject=m.subject,
                             created_at=m.created_at, sent_at=m.sent_at) for m in repo.outbox(s)]

    # --- background round --------------------------------------------------------------------------------------
    def start(self, interval_s: float = 30.0) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(interval_s,), name="reservation-sweep", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._moved.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self, interval_s: float) -> None:
        """The whole sweep every `interval_s`; in between, turn-near mail as soon as the queue moves."""
        last = self.svc.clock.now()
        while not self._stop.is_set():
            moved = self._moved.wait(interval_s)
            self._moved.clear()
            if self._stop.is_set():
                return
            try:
                now = self.svc.clock.now()
                if moved and now - last < timedelta(seconds=interval_s):
                    self._turn_near(now)
                else:
                    self.sweep(now)
                    last = now
            except Exception:
                log.exception("reservation sweep failed")


def svc_text(code: str, params: dict[str, object]) -> str:
    from station.messages import text

    return text(code, **params)
