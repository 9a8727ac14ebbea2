"""Check-in at the kiosk or counter, and the queue's priority pick (reservations, issue 15).

A booking's QR, the notice's QR or a typed code checks a visitor in from K minutes before the slot: on
time → a ticket marked 予約 that call-next takes first (by the fairness rule in station/domain/reservation.py);
more than L minutes late → a normal ticket, said kindly; after the slot's end → a normal ticket and the
booking is a no-show. The ticket is issued by the queue's own public method, then linked to the booking.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy.orm import Session

from station.domain import reservation as rules
from station.domain.barcodes import BarcodeError, parse_notice_number
from station.domain.calendar import TOKYO, business_date
from station.domain.messages import Msg
from station.events import Event
from station.messages import both, text
from station.services.audit import Actor
from station.services.errors import Conflict, Invalid, NotFound, ServiceError
from station.services.reservation_views import CheckInView
from station.store import reservations_repo as repo
from station.store.models_reservations import Reservation

if TYPE_CHECKING:
    from station.services.reservations import ReservationService


@dataclass(frozen=True, kw_only=True)
class ReservationCheckedIn(Event):
    """A booking was checked in at this daemon's scanner: the kiosk shows the outcome and the number."""

    name: ClassVar[str] = "reservation_checked_in"
    counter_id: int
    outcome: str
    priority: bool
    number: str = ""
    message_ja: str = ""
    message_en: str = ""


class CheckInDesk:
    """The kiosk's and counter's side of a booking on its day."""

    def __init__(self, svc: ReservationService) -> None:
        self.svc = svc
        self._booked: dict[str, tuple[datetime, int]] = {}

    def booked_due(self, category: str, now: datetime) -> int:
        """QueueService's wait-estimate hook: booked visitors due within half an hour (or in their slot now),
        not checked in yet. Read at most every 15 s per category: the press → print path stays short."""
        hit = self._booked.get(category)
        if hit is not None and timedelta(0) <= now - hit[0] < timedelta(seconds=15):
            return hit[1]
        with self.svc.reads() as s:
            n = repo.booked_waiting(s, business_date(now), category, now, timedelta(minutes=30))
        self._booked[category] = (now, n)
        return n

    # --- check-in at the kiosk or counter ---------------------------------------------------------------------
    def check_in(self, scanned: str, source: str = "kiosk", actor: Actor | None = None) -> CheckInView:
        """The booking QR, the notice's QR, or a typed code → a priority ticket (on time), a normal one (late or
        missed), or "come back at …" (too early). Scanning again gives back the same ticket."""
        now = self.svc.clock.now()
        rr = self.svc.rules
        norm = rules.normalize_code(scanned[:40])
        notice = None
        if norm is None:
            try:
                notice = parse_notice_number(scanned[:40]).canonical
            except BarcodeError:
                raise Invalid("reservations.bad_code", field="code") from None
        actor = actor or Actor(source)
        with self.svc.uow.change() as ch:
            s = ch.session
            r = repo.by_code(s, norm, lock=True) if norm else repo.open_for_notice(s, notice or "", lock=True)
            if r is None:
                raise NotFound("reservations.checkin.no_booking")
            if r.state == "checked_in" and r.ticket_id:
                return self._checked_in_view(r)
            if r.state != "booked":
                raise Conflict("reservations.checkin.not_open",
                               params={"state": text(f"reservations.state.{r.state}")})
            got = rules.arrival(r.starts_at, r.ends_at, now, rr)
            if got is rules.Arrival.TOO_EARLY:
                opens = r.starts_at.astimezone(TOKYO) - timedelta(minutes=rr.checkin_early_minutes)
                ja, en = both("reservations.checkin.too_early", time=f"{opens:%H:%M}")
                return CheckInView(outcome=got.value, priority=False, message_ja=ja, message_en=en, opens_at=opens)
            if got is rules.Arrival.OTHER_DAY:
                raise Conflict("reservations.checkin.other_day", params={"day": rules.format_day_ja(r.day)})
            rid, category = r.id, r.category
            ch.audit(now, actor, f"reservation.check_in.{got.value}", r.code)
        # The ticket is issued by the queue's own transaction (its numbering, its printing), then linked here.
        priority = got is rules.Arrival.PRIORITY
        ticket = self.svc.queue.issue(category, source="reservation" if priority else source, actor=actor,
                                  priority=priority)
        with self.svc.uow.change() as ch:
            r = repo.by_id(ch.session, rid)
            assert r is not None
            r.ticket_id, r.priority, r.checked_in_at = ticket.id, priority, now
            if got is rules.Arrival.MISSED:
                self.svc._close(ch.session, r, "no_show", now)
            else:
                r.state = "checked_in"
                r.open_card_id = None
                r.updated_at = now
        code = {"priority": "reservations.checkin.priority", "late": "reservations.checkin.late",
                "missed": "reservations.checkin.missed"}[got.value]
        ja, en = both(Msg.of(code, minutes=rr.late_minutes))
        from station.slips.ticket import status_url

        return CheckInView(outcome=got.value, priority=priority, message_ja=ja, message_en=en, ticket_id=ticket.id,
                           number=ticket.number, token=ticket.token,
                           status_url=status_url(self.svc.settings, ticket.token))

    def on_scan(self, scanned: str) -> bool:
        """DeviceManager's scan hook: a booking QR read by the scanner checks the visitor in; the kiosk hears
        the outcome as an event. Anything else (tickets, notices, box labels) goes on to the panel."""
        if not scanned.strip().upper().startswith("RSV") or rules.normalize_code(scanned) is None:
            return False
        cid = self.svc.settings.counter_id
        try:
            v = self.check_in(scanned, source="scanner")
            event = ReservationCheckedIn(at=self.svc.clock.now(), counter_id=cid, outcome=v.outcome,
                                         priority=v.priority, number=v.number or "", message_ja=v.message_ja,
                                         message_en=v.message_en)
        except ServiceError as e:
            event = ReservationCheckedIn(at=self.svc.clock.now(), counter_id=cid, outcome="refused", priority=False,
                                         message_ja=e.message_ja, message_en=e.message_en)
        self.svc.uow.bus.publish(event)
        return True

    def _checked_in_view(self, r: Reservation) -> CheckInView:
        t = self.svc.queue.get(r.ticket_id)
        code = "reservations.checkin.priority" if r.priority else "reservations.checkin.late"
        ja, en = both(Msg.of(code, minutes=self.svc.rules.late_minutes))
        from station.slips.ticket import status_url

        return CheckInView(outcome="priority" if r.priority else "late", priority=r.priority, message_ja=ja,
                           message_en=en, ticket_id=t.id, number=t.number, token=t.token,
                           status_url=status_url(self.svc.settings, t.token))

    def priority_tickets(self) -> tuple[list[int], list[str]]:
        """Today's priority tickets (ids and numbers; nothing personal) for the display's 予約 mark."""
        day = business_date(self.svc.clock.now())
        with self.svc.reads() as s:
            rows = repo.priority_tickets(s, day)
        return [r[0] for r in rows], [r[1] for r in rows]

    # --- the queue's priority pick -------------------------------------------------------------------------
    def pick_for_call(self, s: Session, day: date, counter_id: int, categories: list[str],
                      now: datetime) -> list[int] | None:
        """QueueService.call_next's hook: the tickets this counter calls from first, by the fairness rule.

        Runs inside call_next's transaction, on the hot path: one small indexed query when nobody booked waits
        (then None: call_next's own oldest-first pick decides). When bookings go first, every waiting booking in
        order, so that counters calling at the same moment take different rows (SKIP LOCKED) instead of all
        falling back to the oldest walk-in; when the walk-in who waited too long goes first, that walk-in."""
        rr = self.svc.rules
        booked = repo.priority_waiting(s, day, categories, counter_id)
        if not booked:
            return None
        walk = repo.oldest_walk_in(s, day, categories, counter_id)
        waiting = [rules.Waiting(tid, since, True) for tid, since in booked]
        if walk is not None:
            waiting.append(rules.Waiting(walk[0], walk[1], False))
        in_a_row = repo.reservations_in_a_row(s, day, categories, rr.max_in_a_row)
        chosen = rules.pick(waiting, in_a_row, now, rr)
        if chosen is None:
            return None
        if not chosen.priority:
            return [chosen.ticket_id]  # the walk-in who waited too long (if another counter has it: the usual pick)
        return [w.ticket_id for w in sorted((w for w in waiting if w.priority), key=lambda w: (w.since, w.ticket_id))]
