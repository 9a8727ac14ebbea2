"""Card stock use cases (D-BO-1..4, D-TEL-4): import the issuance list, move cards through their
lifecycle, shelve them in boxes, find them fast, and list deadlines.

Rules live in station.domain.stock (state machine, shelving, deadlines) and station.domain.stock_csv
(the file); the SQL in station.store.stock_repo; this module adds the clock, the audit log and the
transaction. Every change commits through the unit of work with its audit entry; audit entries and card
events carry numbers and reasons only, never a name or birth date.

The import of the issuance list (whole file or nothing) is in `importing.py`.

Bulk transitions (mailing a range or a stack of scanned notices) write one card event per card and one
audit entry for the operation (range or count, date), so the audit log stays readable.
"""

from __future__ import annotations

import collections
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from station.clock import Clock
from station.config import StationSettings
from station.domain import stock as rules
from station.domain.barcodes import BarcodeError, make_box_label, normalize_input, parse_notice_number
from station.domain.calendar import business_date
from station.domain.card_record import CardStatus
from station.events import EventBus
from station.messages import both
from station.services.audit import Actor
from station.services.errors import Conflict, Invalid, NotFound
from station.services.stock.importing import StockImport
from station.services.stock.lifecycle import StockLifecycle
from station.services.stock.views import (
    ApplicationStatus,
    BoxView,
    CardEventView,
    CardSummary,
    CardView,
    MailResult,
    SlotView,
    _summary_fields,
    summary_of,
)
from station.store import stock_repo as repo
from station.store.models_stock import Card, CardEvent
from station.store.uow import UnitOfWork

ProgressFn = repo.ProgressFn


class StockService(StockImport, StockLifecycle):
    """Lookup, lifecycle, shelving and deadlines; the import of the issuance list is `StockImport`'s."""

    def __init__(self, settings: StationSettings, sessions: sessionmaker[Session], clock: Clock,
                 bus: EventBus | None = None, uow: UnitOfWork | None = None) -> None:
        self.settings = settings
        self.sessions = sessions
        self.clock = clock
        self.bus = bus or EventBus()
        self.uow = uow or UnitOfWork(sessions, self.bus)

    @property
    def cfg(self) -> Any:
        return self.settings.stock

    def today(self) -> date:
        return business_date(self.clock.now())

    # --- lookup -----------------------------------------------------------------------------------------
    @staticmethod
    def _key_for(text: str) -> tuple[str, str]:
        """A typed or scanned reference as (column, canonical value): 12 digits or a notice number."""
        norm = normalize_input(text)
        if len(norm) == 12 and norm.isdigit():
            return "manufacturing_no", norm
        try:
            return "notice_no", parse_notice_number(norm).canonical
        except BarcodeError as e:
            raise Invalid(f"製造管理番号（数字12桁）か交付通知書番号を入力してください: {e.message_ja}",
                          f"give a manufacturing number (12 digits) or a notice number: {e.message_en}") from None

    def _load(self, s: Session, ref: str | int, lock: bool = False) -> Card:
        # A card id is at most 8 digits; a notice number typed without its hyphen is 9 characters.
        if isinstance(ref, int) or (ref.isdigit() and len(ref) <= 8):
            c = repo.load(s, "id", int(ref), lock)
        else:
            c = repo.load(s, *self._key_for(ref), lock=lock)
        if c is None:
            raise NotFound("stock.card_not_found", params={"ref": ref})
        return c

    @staticmethod
    def _view(c: Any, today: date) -> CardView:
        """From a Card or a Core row of the cards table (same attribute names)."""
        return CardView(**_summary_fields(c), name_kana=c.name_kana, birth_date=c.birth_date,
                        batch_id=c.batch_id,
                        past_deadline=rules.is_past_deadline(c.status, c.receipt_deadline, today))

    def find(self, notice_or_mfg: str) -> CardView:
        """The card for a notice number (as scanned or typed) or a manufacturing number; NotFound if none."""
        key, value = self._key_for(notice_or_mfg)
        today = self.today()
        row = repo.find_row(self.sessions.kw["bind"], key, value)  # the counter's hot path: no ORM
        if row is None:
            raise NotFound("stock.card_not_found", params={"ref": notice_or_mfg})
        return self._view(row, today)

    def get(self, card_ref: str | int) -> CardView:
        """By card id (up to 8 digits), manufacturing number or notice number."""
        with self.sessions() as s:
            return self._view(self._load(s, card_ref), self.today())

    def history(self, card_ref: str | int) -> list[CardEventView]:
        with self.sessions() as s:
            c = self._load(s, card_ref)
            batch = repo.get_batch(s, c.batch_id)
            assert batch is not None
            first = CardEventView(at=batch.imported_at, actor=batch.actor, from_status="",
                                  to_status=CardStatus.RECEIVED.value, reason="import",
                                  detail=f"batch:{c.batch_id}")
            return [first, *(CardEventView(at=e.at, actor=e.actor, from_status=e.from_status,
                                           to_status=e.to_status, reason=e.reason, detail=e.detail)
                             for e in repo.events_of(s, c.id))]

    # --- lifecycle --------------------------------------------------------------------------------------
    def transition(self, card_ref: str | int, to: str, actor: Actor | None = None, *, reason: str | None = None,
                   mailed_on: date | None = None) -> CardView:
        """Move one card to ``to`` (Conflict with the reason when the rules forbid it)."""
        actor = actor or Actor.system()
        now = self.clock.now()
        today = business_date(now)
        with self.uow.change() as ch:
            c = self._load(ch.session, card_ref, lock=True)
            if to == CardStatus.MAILED and mailed_on is None:
                mailed_on = today
            try:
                t = rules.plan_transition(
                    c.status, to, today=today, reason=reason, mailed_on=mailed_on,
                    application_date=c.application_date, deadline=c.receipt_deadline,
                    deadline_days=self.cfg.receipt_deadline_days,
                )
            except rules.StockRuleError as e:
                raise Conflict(e.message_ja, e.message_en, status=c.status) from e
            self._apply(ch, c, t, actor, now)
            return self._view(c, today)

    def _apply(self, ch: Any, c: Card, t: rules.Transition, actor: Actor, now: datetime,
               audit: bool = True) -> None:
        """Write one allowed transition: the card, its event, its audit entry (unless a bulk step audits once)."""
        detail = ""
        c.status = t.to_status.value
        c.updated_at = now
        if t.to_status is CardStatus.DEFECT:
            c.defect_reason = t.reason
        elif t.to_status is CardStatus.INSPECTED:
            c.defect_reason = None
        if t.to_status is CardStatus.RETURNED:
            c.return_reason = t.reason
        if t.mailed_on is not None:
            c.mailed_on, c.receipt_deadline = t.mailed_on, t.receipt_deadline
            detail = f"mailed_on={t.mailed_on} deadline={t.receipt_deadline}"
        if t.leaves_shelf and c.box is not None:
            detail = f"slot={make_box_label(c.box)}/{c.position}"
            c.box = c.position = None
            ch.session.flush()  # the slot is free for the next card of the same change
        if t.needs_slot and c.box is None:  # a defect re-inspected OK: back into the lowest free slot
            c.box, c.position = rules.first_free_slot(repo.taken_slots(ch.session), self.cfg.box_size)
            detail = f"slot={make_box_label(c.box)}/{c.position}"
        repo.add_event(ch.session, CardEvent(card_id=c.id, at=now, actor=actor.name,
                                             from_status=t.from_status.value, to_status=t.to_status.value,
                                             reason=t.reason, detail=detail))
        if not audit:
            return
        ch.audit(now, actor, f"stock.{t.to_status.value}", c.manufacturing_no,
                 f"{t.from_status.value}->{t.to_status.value}" + (f" reason={t.reason}" if t.reason else "")
                 + (f" {detail}" if detail else ""))

    def mark_issued(self, notice_no: str, actor: Actor | None = None) -> CardView:
        """Called by the procedures flow when the card is handed over (ready → issued)."""
        try:
            canonical = parse_notice_number(notice_no).canonical
        except BarcodeError as e:
            raise Invalid(e.message_ja, e.message_en) from None
        return self.transition(canonical, CardStatus.ISSUED.value, actor)

    def mail_range(self, from_mfg: str, to_mfg: str, mailed_on: date, actor: Actor | None = None) -> MailResult:
        """Mark every inspected card from ``from_mfg`` to ``to_mfg`` (inclusive) mailed on ``mailed_on``.

        Cards in the range in any other state (defect, already mailed …) are left alone and counted."""
        a, b = normalize_input(from_mfg), normalize_input(to_mfg)
        for v in (a, b):
            if not (len(v) == 12 and v.isdigit()):
                raise Invalid("stock.manufacturing_no_invalid", params={"value": v})
        if a > b:
            raise Invalid("stock.range_reversed")
        actor = actor or Actor.system()
        now = self.clock.now()
        today = business_date(now)
        with self.uow.change() as ch:
            cards = repo.in_range(ch.session, a, b, lock=True)
            eligible = [c for c in cards if c.status == CardStatus.INSPECTED]
            skipped = dict(collections.Counter(c.status for c in cards if c.status != CardStatus.INSPECTED))
            if not eligible:
                raise Conflict("stock.range_none_inspected", params={"first": a, "last": b, "n": len(cards)},
                               skipped=skipped)
            try:
                rules.check_mailing_date(mailed_on, today=today,
                                         application_date=max(c.application_date for c in eligible))
            except rules.StockRuleError as e:
                raise Invalid(e.message_ja, e.message_en) from e
            deadline = self._bulk_mail(ch.session, eligible, mailed_on, actor, now)
            ch.audit(now, actor, "stock.mailed", f"{a}..{b}",
                     f"count={len(eligible)} mailed_on={mailed_on} deadline={deadline} skipped={skipped}")
        return MailResult(mailed=len(eligible), mailed_on=mailed_on, receipt_deadline=deadline, skipped=skipped)

    def mail_notices(self, notice_numbers: Sequence[str], mailed_on: date,
                     actor: Actor | None = None) -> MailResult:
        """Mark the cards of scanned notices mailed: all of them, or none with every problem listed."""
        actor = actor or Actor.system()
        now = self.clock.now()
        today = business_date(now)
        problems: list[dict[str, str]] = []
        canon: list[str] = []
        for text in notice_numbers:
            try:
                n = parse_notice_number(text).canonical
            except BarcodeError as e:
                problems.append({"notice_no": text, "reason_ja": e.message_ja, "reason_en": e.message_en})
                continue
            if n not in canon:  # a double scan is harmless
                canon.append(n)
        if not canon and not problems:
            raise Invalid("stock.no_notices")
        with self.uow.change() as ch:
            found = repo.by_notices(ch.session, canon, lock=True)
            for n in canon:
                c = found.get(n)
                if c is None:
                    ja, en = both("stock.not_in_stock")
                    problems.append({"notice_no": n, "reason_ja": ja, "reason_en": en})
                    continue
                try:
                    rules.plan_transition(c.status, CardStatus.MAILED, today=today, mailed_on=mailed_on,
                                          application_date=c.application_date,
                                          deadline_days=self.cfg.receipt_deadline_days)
                except rules.StockRuleError as e:
                    problems.append({"notice_no": n, "reason_ja": e.message_ja, "reason_en": e.message_en})
            if problems:
                raise Conflict("stock.notices_refused", params={"n": len(problems)}, problems=problems)
            cards = [found[n] for n in canon]
            deadline = self._bulk_mail(ch.session, cards, mailed_on, actor, now)
            ch.audit(now, actor, "stock.mailed", f"scan:{len(cards)}",
                     f"count={len(cards)} mailed_on={mailed_on} deadline={deadline}")
        return MailResult(mailed=len(cards), mailed_on=mailed_on, receipt_deadline=deadline, skipped={})

    def _bulk_mail(self, s: Session, cards: list[Card], mailed_on: date, actor: Actor, now: datetime) -> date:
        deadline = rules.receipt_deadline(mailed_on, self.cfg.receipt_deadline_days)
        repo.bulk_mail(s, cards, mailed_on, deadline, actor.name, now)
        return deadline

    # --- shelving ---------------------------------------------------------------------------------------
    def boxes(self) -> list[BoxView]:
        """The slot list: every box in use, its range of manufacturing numbers and its card count."""
        with self.sessions() as s:
            rows = repo.boxes(s)
        return [BoxView(box=box, label=make_box_label(box), count=n, first_manufacturing_no=lo,
                        last_manufacturing_no=hi, delivery_lot=lot) for box, n, lo, hi, lot in rows]

    def box_slots(self, box: int) -> list[SlotView]:
        with self.sessions() as s:
            rows = repo.box_slots(s, box)
        if not rows:
            raise NotFound("stock.box_empty", params={"box": make_box_label(box) if 1 <= box <= 9999 else box})
        return [SlotView(box=box, position=pos, manufacturing_no=mfg, notice_no=notice, status=st)
                for pos, mfg, notice, st in rows]

    # --- deadlines --------------------------------------------------------------------------------------
    def overdue(self, today: date | None = None, offset: int = 0, limit: int | None = None) -> list[CardSummary]:
        """Cards waiting for their holder past the receipt deadline (to be returned), oldest first."""
        today = today or self.today()
        with self.sessions() as s:
            return [summary_of(c) for c in repo.deadline_before(s, [st.value for st in rules.AWAITING_HOLDER],
                                                                today, offset, limit)]

    def notice_list(self, mailed_on: date, offset: int = 0, limit: int | None = None) -> list[CardSummary]:
        """Notices mailed on a day with their receipt deadlines, in manufacturing order (D-BO-3)."""
        with self.sessions() as s:
            return [summary_of(c) for c in repo.mailed_on(s, mailed_on, offset, limit)]

    def stale_applications(self, today: date | None = None, offset: int = 0,
                           limit: int | None = None) -> list[CardSummary]:
        """Applications at least ``stale_application_days`` old whose notice is not mailed (D-TEL-4)."""
        today = today or self.today()
        cutoff = rules.stale_cutoff(today, self.cfg.stale_application_days)
        with self.sessions() as s:
            return [summary_of(c) for c in repo.applied_by(s, [st.value for st in rules.NOT_MAILED], cutoff,
                                                           offset, limit)]

    def find_by_application(self, application_id_or_notice: str) -> ApplicationStatus | None:
        """For the phone desk: the newest card of an application (by 申請書ID or notice number), or None."""
        norm = normalize_input(application_id_or_notice).replace("-", "")
        if len(norm) == 23 and norm.isdigit():
            key, value = "application_id", norm
        else:
            try:
                key, value = "notice_no", parse_notice_number(application_id_or_notice).canonical
            except BarcodeError as e:
                raise Invalid(f"申請書ID（数字23桁）か交付通知書番号を入力してください: {e.message_ja}",
                              f"give an application ID (23 digits) or a notice number: {e.message_en}") from None
        today = self.today()
        with self.sessions() as s:
            c = repo.newest(s, key, value)
            if c is None:
                return None
            days = (today - c.application_date).days
            stale = rules.is_stale_application(c.status, c.application_date, today, self.cfg.stale_application_days)
            mailed = c.mailed_on is not None
            if stale:
                ja, en = both("stock.application_stale", days=days)
            elif mailed:
                ja, en = both("stock.application_mailed", mailed_on=c.mailed_on, deadline=c.receipt_deadline)
            else:
                ja, en = both("stock.application_waiting", days=days)
            return ApplicationStatus(
                application_id=c.application_id, notice_no=c.notice_no, application_date=c.application_date,
                days_since_application=days, status=c.status, status_ja=rules.STATUS_JA[CardStatus(c.status)],
                notice_mailed=mailed, mailed_on=c.mailed_on, receipt_deadline=c.receipt_deadline,
                handover_suggested=stale, message_ja=ja, message_en=en,
            )
