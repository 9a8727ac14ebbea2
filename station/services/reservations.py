"""Pick-up reservations: slots, booking (resident, phone desk, counter), change, cancel, check-in, the day.

Rules live in station/domain/reservation.py; SQL in station/store/reservations_repo.py; every write goes
through one unit of work (the booking, its place in the slot, its audit entry and its mail commit
together). Check-in and the queue's priority pick are in station/services/reservation_checkin.py; the
day (board, closed slots, sweep) in reservation_day.py; the public page in congestion.py.

Privacy (D-ALL-2): the resident identifies with the notice number and the birth date; a booking keeps the
birth date only as a salted digest and the mail address until the visit is over (`sweep` purges both).
A wrong notice number and a wrong birth date get the same answer, so the page cannot be used to find
out which notice numbers exist; wrong answers are throttled per client and per notice or code.

This file is over 400 lines because booking, change and cancel share one identification and throttling
path (the privacy rule above); split, each would need it passed around. Check-in and the day are apart.

Somewhat over 400 lines on purpose: booking, change, cancel and look-up share the identify / resolve / throttle /
mail helpers, and the capability's wiring (`build_reservations`) sits at the end where app.py finds it.
"""

from __future__ import annotations

import collections
import re
import secrets
import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from station.clock import Clock
from station.config import StationSettings
from station.domain import reservation as rules
from station.domain.barcodes import BarcodeError, parse_notice_number
from station.domain.calendar import TOKYO, BusinessCalendar, business_date
from station.domain.card_record import CardRecord, CardStatus
from station.domain.documents import DocumentRules, Who, checklist
from station.messages import text
from station.services.audit import Actor
from station.services.errors import Conflict, Invalid, NotFound, ServiceError
from station.services.reservation_views import (
    BookableDayView,
    BookingView,
    CategoryChoiceView,
    ChecklistItemView,
    DaySlotsView,
    IdentityView,
    SlotView,
)
from station.store import reservations_repo as repo
from station.store.models_reservations import Reservation
from station.store.uow import UnitOfWork

EMAIL_RE = re.compile(r"[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,63}")
BOOKABLE_STATUSES = (CardStatus.MAILED, CardStatus.READY)


class Throttled(ServiceError):
    status_code = 429


class FailureThrottle:
    """Wrong birth dates per key (client, notice, code) within a window: past `limit`, refuse for a while.

    In memory, per daemon: the booking page talks to one daemon, and a restart forgetting the count
    costs an attacker a restart of the office's daemon, which they cannot cause."""

    def __init__(self, limit: int, window: timedelta = timedelta(minutes=10)) -> None:
        self.limit = limit
        self.window = window
        self._fails: dict[str, collections.deque[datetime]] = {}
        self._lock = threading.Lock()

    def check(self, keys: list[str], now: datetime) -> None:
        with self._lock:
            for key in keys:
                q = self._fails.get(key)
                while q and q[0] <= now - self.window:
                    q.popleft()
                if q and len(q) >= self.limit:
                    minutes = max(1, int((q[0] + self.window - now).total_seconds() // 60) + 1)
                    raise Throttled("reservations.throttled", params={"minutes": minutes})

    def fail(self, keys: list[str], now: datetime) -> None:
        with self._lock:
            if len(self._fails) > 50_000:
                self._fails.clear()
            for key in keys:
                self._fails.setdefault(key, collections.deque()).append(now)


class ReservationService:
    def __init__(self, settings: StationSettings, calendar: Callable[[], BusinessCalendar], uow: UnitOfWork,
                 reads: sessionmaker[Session], clock: Clock, queue: Any, stock: Any,
                 document_rules: DocumentRules | None = None, on_mail: Callable[[], None] | None = None) -> None:
        self.settings = settings
        self.calendar = calendar
        self.uow = uow
        self.reads = reads
        self.clock = clock
        self.queue = queue
        self.stock = stock
        self.document_rules = document_rules
        self.on_mail = on_mail or (lambda: None)
        self.throttle = FailureThrottle(settings.reservations.max_failures)

    # --- settings as rules -----------------------------------------------------------------------------
    @property
    def rules(self) -> rules.Rules:
        r = self.settings.reservations
        known = {c.code for c in self.settings.categories}
        return rules.Rules(
            categories=tuple(c for c in r.categories if c in known),
            no_notice_categories=tuple(c for c in r.no_notice_categories if c in known),
            days_ahead_max=r.days_ahead_max, days_ahead_min=r.days_ahead_min, cutoff_time=r.cutoff_time,
            slot_minutes=r.slot_minutes, walkin_share=r.walkin_share,
            checkin_early_minutes=r.checkin_early_minutes, late_minutes=r.late_minutes,
            max_in_a_row=r.max_in_a_row, walkin_max_wait_minutes=r.walkin_max_wait_minutes,
        )

    def categories(self) -> list[CategoryChoiceView]:
        rr = self.rules
        return [CategoryChoiceView(code=c.code, name_ja=c.name_ja, name_en=c.name_en,
                                   needs_notice=c.code not in rr.no_notice_categories)
                for c in self.settings.categories if c.code in rr.categories]

    def _category(self, code: str) -> Any:
        cat = self.settings.category(code)
        if cat is None:
            raise Invalid("reservations.unknown_category", params={"code": code[:8]})
        if code not in self.rules.categories:
            raise Conflict("reservations.not_bookable")
        return cat

    # --- slots -----------------------------------------------------------------------------------------
    def _derived_slots(self, day: date, category: str) -> list[rules.Slot]:
        cat = self.settings.category(category)
        if cat is None:
            return []
        serving = sum(1 for c in self.settings.counters if category in c.categories)
        cutoff = cat.cutoff_minutes if cat.cutoff_minutes is not None else self.settings.calendar.default_cutoff_minutes
        return rules.day_slots(self.calendar(), day, category, serving_counters=serving,
                               service_minutes=cat.default_service_minutes, rules=self.rules,
                               dispenser_cutoff_minutes=cutoff)

    def _slot_views(self, day: date, category: str, rows: dict[str, Any]) -> list[SlotView]:
        out = []
        now = self.clock.now()
        for sl in self._derived_slots(day, category):
            row = rows.get(sl.key)
            cap = row.capacity if row is not None and row.capacity is not None else sl.capacity
            booked = row.booked if row is not None else 0
            closed = bool(row.closed) if row is not None else False
            started = sl.starts_at <= now  # a slot under way (same-day bookings) takes no more
            out.append(SlotView(slot=sl.key, starts_at=sl.starts_at, ends_at=sl.ends_at, capacity=cap,
                                free=0 if closed or started else max(cap - booked, 0), closed=closed))
        return out

    def slots(self, category: str, day: date) -> DaySlotsView:
        """The day's slots with the places still free (closed slots shown as closed, with none free)."""
        self._category(category)
        with self.reads() as s:
            views = self._slot_views(day, category, repo.slot_rows(s, day, category))
        return DaySlotsView(category=category, day=day, label_ja=rules.format_day_ja(day), slots=views)

    def days(self, category: str) -> list[BookableDayView]:
        """Every day the resident may book now, with the places free that day."""
        self._category(category)
        days = rules.bookable_days(self.calendar(), self.clock.now(), self.rules)
        with self.reads() as s:
            rows = repo.slot_rows_for_days(s, days, category)
        out = []
        for d in days:
            per_day = {slot: r for (day, slot), r in rows.items() if day == d}
            free = sum(v.free for v in self._slot_views(d, category, per_day))
            out.append(BookableDayView(day=d, label_ja=rules.format_day_ja(d), free=free))
        return out

    # --- who is booking ----------------------------------------------------------------------------------
    def _card(self, notice: str, birth: date, client: str) -> tuple[CardRecord, int]:
        """The card for a notice + birth date, or the one refusal that does not tell which was wrong."""
        try:
            canonical = parse_notice_number(notice[:40]).canonical
        except BarcodeError as e:
            raise Invalid(e.message_ja, e.message_en, field="notice") from None
        now = self.clock.now()
        keys = [f"client:{client}", f"notice:{canonical}"]
        self.throttle.check(keys, now)
        try:
            view = self.stock.find(canonical)
        except NotFound:
            view = None
        record = view.record() if view is not None else None
        if record is None or not rules.same_birth_date(record.birth_date, birth):
            self.throttle.fail(keys, now)
            raise Conflict("reservations.not_matched")
        if record.status is CardStatus.ISSUED:
            raise Conflict("reservations.already_issued")
        if record.status is CardStatus.RETURNED:
            raise Conflict("reservations.card_returned")
        if record.status not in BOOKABLE_STATUSES:
            raise Conflict("reservations.no_card")
        return record, view.id

    def _checklist(self, record: CardRecord | None, day: date) -> list[ChecklistItemView]:
        """What this resident must bring, by the counter's own rules (same function, same catalog)."""
        if record is None:
            return []
        return [ChecklistItemView(item=r.item, ja=r.ja, en=r.en, rule=r.rule)
                for r in checklist(record, day, Who.HOLDER, self.document_rules)]

    def identify(self, notice: str, birth: date, client: str = "", day: date | None = None) -> IdentityView:
        """The pre-visit checklist page: notice + birth date → this resident's documents (no booking)."""
        record, card_id = self._card(notice, birth, client)
        with self.reads() as s:
            open_booking = repo.open_for_card(s, card_id) is not None
        if open_booking:  # counted: a visitor who saw their checklist before coming (D-DOC-6)
            with self.uow.change() as ch:
                repo.mark_checklist_seen(ch.session, card_id)
        return IdentityView(notice_no=record.notice_no, open_booking=open_booking,
                            checklist=self._checklist(record, day or business_date(self.clock.now())))

    # --- booking -----------------------------------------------------------------------------------------
    def book(self, category: str, day: date, slot: str, birth: date, *, notice: str | None = None,
             email: str | None = None, source: str = "web", actor: Actor | None = None,
             client: str = "", checklist_seen: bool = False) -> BookingView:
        """Book a slot: refused with the reason (no card, issued, full, outside the window, one open per card)."""
        self._category(category)
        rr = self.rules
        email = self._email(email)
        record: CardRecord | None = None
        card_id: int | None = None
        if category not in rr.no_notice_categories or notice:
            if not notice:
                raise Invalid("reservations.notice_required", field="notice")
            record, card_id = self._card(notice, birth, client)
        now = self.clock.now()
        refusal = rules.booking_refusal(self.calendar(), day, now, rr)
        if refusal is not None:
            raise Conflict(refusal)
        sl = next((x for x in self._derived_slots(day, category) if x.key == slot), None)
        if sl is None:
            raise Conflict("reservations.slot_unknown")
        if sl.starts_at <= now:
            raise Conflict("reservations.slot_past")
        salt = secrets.token_bytes(16)
        actor = actor or Actor(source, client)
        for _attempt in range(5):
            code = rules.new_code()
            try:
                with self.uow.change() as ch:
                    s = ch.session
                    if card_id is not None and repo.open_for_card(s, card_id) is not None:
                        raise Conflict("reservations.open_booking")
                    if not repo.take_place(s, day, category, slot, sl.capacity):
                        raise Conflict("reservations.slot_full")
                    r = repo.add(s, Reservation(
                        code=code, category=category, day=day, slot=slot, starts_at=sl.starts_at,
                        ends_at=sl.ends_at, state="booked", source=source, card_id=card_id, open_card_id=card_id,
                        notice_no=record.notice_no if record else None, birth_salt=salt,
                        birth_digest=rules.birth_digest(salt, birth), email=email, checklist_seen=checklist_seen,
                        created_at=now, updated_at=now, priority=False,
                    ))
                    ch.audit(now, actor, "reservation.book", code, f"category={category} day={day} slot={slot} "
                                                                   f"source={source}")
                    view = self._view(r, record)
                    if email:
                        self._mail(s, r, "confirm", now, view=view)
                        ch.then(self.on_mail)
                return view
            except IntegrityError as e:
                if "open_card" in str(e.orig):
                    raise Conflict("reservations.open_booking") from None
                continue  # a code clash (1 in 10^11): draw another
        raise Conflict("reservations.slot_full")

    def _email(self, email: str | None) -> str | None:
        if not email or not email.strip():
            return None
        email = email.strip()
        if len(email) > 254 or not EMAIL_RE.fullmatch(email):
            raise Invalid("reservations.bad_email", field="email")
        return email

    def _resolve(self, s: Session, code: str, birth: date, client: str, *, lock: bool = False) -> Reservation:
        norm = rules.normalize_code(code[:40])
        if norm is None:
            raise Invalid("reservations.bad_code", field="code")
        now = self.clock.now()
        keys = [f"client:{client}", f"code:{norm}"]
        self.throttle.check(keys, now)
        r = repo.by_code(s, norm, lock=lock)
        if r is None or not r.birth_digest or not rules.birth_matches(r.birth_salt or b"", r.birth_digest, birth):
            self.throttle.fail(keys, now)
            raise NotFound("reservations.not_found")
        return r

    def find(self, code: str, birth: date, client: str = "") -> BookingView:
        with self.reads() as s:
            r = self._resolve(s, code, birth, client)
            return self._view(r, self._record_of(r))

    def _record_of(self, r: Reservation) -> CardRecord | None:
        if not r.notice_no:
            return None
        try:
            return self.stock.find(r.notice_no).record()
        except NotFound:
            return None

    def cancel(self, code: str, birth: date, client: str = "", actor: Actor | None = None) -> BookingView:
        now = self.clock.now()
        with self.uow.change() as ch:
            r = self._resolve(ch.session, code, birth, client, lock=True)
            self._may_change(r, now)
            self._close(ch.session, r, "cancelled", now)
            ch.audit(now, actor or Actor("web", client), "reservation.cancel", r.code)
            view = self._view(r, None)
            if r.email:
                self._mail(ch.session, r, "cancelled", now, view=view)
                ch.then(self.on_mail)
        return view

    def change(self, code: str, birth: date, day: date, slot: str, client: str = "",
               actor: Actor | None = None) -> BookingView:
        """Move a booking to another slot: the new place is taken before the old one is given back."""
        now = self.clock.now()
        refusal = rules.booking_refusal(self.calendar(), day, now, self.rules)
        if refusal is not None:
            raise Conflict(refusal)
        with self.uow.change() as ch:
            s = ch.session
            r = self._resolve(s, code, birth, client, lock=True)
            self._may_change(r, now)
            sl = next((x for x in self._derived_slots(day, r.category) if x.key == slot), None)
            if sl is None:
                raise Conflict("reservations.slot_unknown")
            if sl.starts_at <= now:
                raise Conflict("reservations.slot_past")
            if (r.day, r.slot) != (day, slot):
                if not repo.take_place(s, day, r.category, slot, sl.capacity):
                    raise Conflict("reservations.slot_full")
                repo.release_place(s, r.day, r.category, r.slot)
                old = f"{r.day} {r.slot}"
                r.day, r.slot, r.starts_at, r.ends_at, r.updated_at = day, slot, sl.starts_at, sl.ends_at, now
                ch.audit(now, actor or Actor("web", client), "reservation.change", r.code,
                         f"from={old} to={day} {slot}")
            if r.email:
                self._mail(s, r, "confirm", now, dedupe=f"confirm:{r.id}:{day}:{slot}")
                ch.then(self.on_mail)
        return self._view(r, self._record_of(r))  # the card stock is read outside the write transaction

    def _may_change(self, r: Reservation, now: datetime) -> None:
        if r.state != "booked":
            raise Conflict("reservations.not_open", params={"state": text(f"reservations.state.{r.state}")})
        if now >= rules.change_deadline(r.day, self.rules):
            raise Conflict("reservations.too_late",
                           params={"deadline": rules.format_deadline_ja(rules.change_deadline(r.day, self.rules))})

    def _close(self, s: Session, r: Reservation, state: str, now: datetime) -> None:
        """A booking ends: its place goes back (unless the visit used it) and its card may book again."""
        if state in ("cancelled", "no_show", "slot_closed"):
            repo.release_place(s, r.day, r.category, r.slot)
        r.state = state
        r.open_card_id = None
        r.updated_at = now

    # --- views and mail ------------------------------------------------------------------------------------
    def _view(self, r: Reservation, record: CardRecord | None) -> BookingView:
        cat = self.settings.category(r.category)
        return BookingView(
            code=rules.qr_text(r.code), qr_text=rules.qr_text(r.code), category=r.category,
            category_name_ja=cat.name_ja if cat else r.category, day=r.day, day_label_ja=rules.format_day_ja(r.day),
            slot=r.slot, starts_at=r.starts_at.astimezone(TOKYO), ends_at=r.ends_at.astimezone(TOKYO), state=r.state,
            source=r.source, change_until=rules.change_deadline(r.day, self.rules), mail=bool(r.email),
            checklist=self._checklist(record, r.day),
        )

    def _mail(self, s: Session, r: Reservation, kind: str, now: datetime, *, view: BookingView | None = None,
              dedupe: str | None = None, reason: str = "", send_after: datetime | None = None) -> None:
        if not r.email:
            return
        o, m = self.settings.office, self.settings.mail
        items = view.checklist if view is not None else []
        params = {
            "office": o.name, "address": m.office_address, "phone": m.office_phone,
            "day": rules.format_day_ja(r.day), "slot": r.slot,
            "category": (self.settings.category(r.category).name_ja if self.settings.category(r.category)
                         else r.category),
            "code": rules.qr_text(r.code), "early": self.rules.checkin_early_minutes, "late": self.rules.late_minutes,
            "change_until": rules.format_deadline_ja(rules.change_deadline(r.day, self.rules)),
            "url": f"{o.public_url.rstrip('/')}/reserve/manage",
            "reason": reason or text("reservations.slot_closed_reason"),
            "checklist": "\n".join(f"・{i.ja}" for i in items) or "・交付通知書",
        }
        repo.enqueue_mail(
            s, dedupe=dedupe or f"{kind}:{r.id}", kind=kind, to_addr=r.email,
            subject=text(f"reservations.mail.{kind}.subject", **params),
            body=text(f"reservations.mail.{kind}.body", **params), now=now, send_after=send_after,
            qr_text=rules.qr_text(r.code) if kind in ("confirm", "reminder") else None,
        )

class Reservations:
    """The capability as the station holds it: booking, the day, the public page, the mail sender."""

    def __init__(self, booking: ReservationService, mail: Any) -> None:
        from station.services.congestion import Congestion
        from station.services.reservation_checkin import CheckInDesk
        from station.services.reservation_day import ReservationDay

        self.booking = booking
        self.checkin = CheckInDesk(booking)
        self.day = ReservationDay(booking)
        self.congestion = Congestion(booking)
        self.mail = mail

    def start(self) -> None:
        self.mail.start()
        self.day.start()

    def stop(self) -> None:
        self.day.stop()
        self.mail.stop()


def build_reservations(st: Any) -> Reservations:
    """Wire the capability into a composed station (called from station/app.py)."""
    from station.services.mail import MailSender

    uow = UnitOfWork(st.sessions, st.bus)
    mail = MailSender(st.settings.mail, uow, st.clock)
    booking = ReservationService(st.settings, lambda: st.calendar, uow, st.read_sessions, st.clock, st.queue,
                                 st.stock, getattr(st.cases, "rules", None), on_mail=mail.wake)
    out = Reservations(booking, mail)
    st.queue.priority_picker = out.checkin.pick_for_call
    st.queue.booked_ahead = out.checkin.booked_due
    st.devices.scan_hooks.append(out.checkin.on_scan)
    return out
