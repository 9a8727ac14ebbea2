"""The back office by scan (issue 14, D-BO-1..4): many cards at once, the notice check, notes on the notice,
paged lists, find-by-scan for the shelf, and the demo stock of simulator mode.

A mixin of StockService (apart only to keep each file readable): it uses the service's `_load`, `_apply`,
unit of work, clock and settings. A step over many cards (a range of manufacturing numbers, a box label,
a stack of scans) moves the cards the lifecycle allows, leaves the others and counts them by status, writes
one card event per card and ONE audit entry for the operation — or refuses with the reason when none may move.
"""

from __future__ import annotations

import collections
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from station.domain import stock as rules
from station.domain.barcodes import BarcodeError, make_box_label, normalize_input, parse_notice_number
from station.domain.calendar import business_date
from station.domain.card_record import CardStatus
from station.messages import both
from station.services.audit import Actor
from station.services.errors import Conflict, Invalid, NotFound
from station.services.stock.views import CardPage, CardSummary, NoticeCheck, RangeResult, ShelfFind, summary_of
from station.store import stock_repo as repo

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from station.clock import Clock
    from station.services.stock.sheets import PrintSheet
    from station.store.models_stock import Card
    from station.store.uow import UnitOfWork

LIST_KINDS = ("overdue", "stale", "received", "inspected", "defect", "mailed", "ready")
MAX_PER_PAGE = 200


def _mfg(text: str) -> str:
    v = normalize_input(text)
    if not (len(v) == 12 and v.isdigit()):
        raise Invalid("stock.manufacturing_no_invalid", params={"value": v})
    return v


class StockLifecycle:
    """Bulk steps, the notice check, notes, paged lists and the shelf finder of StockService."""

    sessions: sessionmaker[Session]
    clock: Clock
    uow: UnitOfWork

    @property
    def cfg(self) -> Any:
        raise NotImplementedError

    def today(self) -> date:
        raise NotImplementedError

    def _load(self, s: Session, ref: str | int, lock: bool = False) -> Card:
        raise NotImplementedError

    def _apply(self, ch: Any, c: Card, t: rules.Transition, actor: Actor, now: datetime,
               audit: bool = True) -> None:
        raise NotImplementedError

    # --- many cards at once -----------------------------------------------------------------------------
    def transition_many(self, to: str, actor: Actor | None = None, *, first: str | None = None,
                        last: str | None = None, box: int | None = None, refs: Sequence[str] = (),
                        reason: str | None = None, mailed_on: date | None = None) -> RangeResult:
        """Move every card of a range (`first`..`last`), a box, or a list of scans to `to` where allowed."""
        actor = actor or Actor.system()
        now = self.clock.now()
        today = business_date(now)
        if to == CardStatus.MAILED and mailed_on is None:
            mailed_on = today
        with self.uow.change() as ch:
            s = ch.session
            if box is not None:
                cards, target = repo.in_box(s, box, lock=True), make_box_label(box) if 1 <= box <= 9999 else str(box)
            elif refs:
                cards = sorted({c.id: c for c in (self._load(s, r, lock=True) for r in refs)}.values(),
                               key=lambda c: c.manufacturing_no)
                target = f"scan:{len(cards)}"
            else:
                if not (first and last):
                    raise Invalid("stock.range.missing")
                a, b = _mfg(first), _mfg(last)
                if a > b:
                    raise Invalid("stock.range_reversed")
                cards, target = repo.in_range(s, a, b, lock=True), f"{a}..{b}"
            moved: list[Card] = []
            skipped: collections.Counter[str] = collections.Counter()
            last_t: rules.Transition | None = None
            single = len(cards) == 1  # one scanned card: refused with the lifecycle's own reason
            for c in cards:
                if not single and not rules.eligible(c.status, to):
                    skipped[c.status] += 1
                    continue
                try:
                    t = rules.plan_transition(c.status, to, today=today, reason=reason, mailed_on=mailed_on,
                                              application_date=c.application_date, deadline=c.receipt_deadline,
                                              deadline_days=self.cfg.receipt_deadline_days)
                except rules.StockRuleError as e:
                    if single:
                        raise Conflict(e.message_ja, e.message_en, status=c.status) from e
                    skipped[c.status] += 1
                    continue
                self._apply(ch, c, t, actor, now, audit=False)
                moved.append(c)
                last_t = t
            if not moved:
                raise Conflict("stock.range.none", params={"to": to, "n": len(cards)}, skipped=dict(skipped))
            ch.audit(now, actor, f"stock.{to}", target,
                     f"count={len(moved)}" + (f" reason={reason}" if reason else "")
                     + (f" mailed_on={mailed_on}" if to == CardStatus.MAILED else "")
                     + (f" skipped={dict(skipped)}" if skipped else ""))
            return RangeResult(to=to, moved=len(moved), manufacturing_nos=[c.manufacturing_no for c in moved],
                               skipped=dict(skipped), mailed_on=last_t.mailed_on if last_t else None,
                               receipt_deadline=last_t.receipt_deadline if last_t else None)

    # --- the notice check and notes (D-BO-1, D-BO-3) ----------------------------------------------------
    def check_notice(self, notice: str, card_ref: str, actor: Actor | None = None) -> NoticeCheck:
        """The notice scanned, then the card's label: do they belong together? Audited either way."""
        actor = actor or Actor.system()
        now = self.clock.now()
        try:
            notice_no = parse_notice_number(notice).canonical
        except BarcodeError as e:
            raise Invalid(e.message_ja, e.message_en) from None
        with self.uow.change() as ch:
            c = self._load(ch.session, card_ref)
            verdict = rules.notice_matches(notice_no, c.notice_no)
            ok = verdict.code == "stock.check.match"
            ch.audit(now, actor, "stock.notice_check", c.manufacturing_no,
                     f"notice={notice_no} card_notice={c.notice_no} {'match' if ok else 'MISMATCH'}")
            ja, en = both(verdict)
            return NoticeCheck(match=ok, notice_no=notice_no, card_manufacturing_no=c.manufacturing_no,
                               card_notice_no=c.notice_no, message_ja=ja, message_en=en)

    def set_note(self, card_ref: str, note: str, actor: Actor | None = None) -> CardSummary:
        """What the back office wrote on the notice (reissue note …), kept with the card (D-BO-3)."""
        actor = actor or Actor.system()
        note = note.strip()
        if len(note) > 200:
            raise Invalid("stock.note_too_long")
        now = self.clock.now()
        with self.uow.change() as ch:
            c = self._load(ch.session, card_ref, lock=True)
            c.notice_note = note or None
            c.updated_at = now
            ch.audit(now, actor, "stock.note", c.manufacturing_no, f"length={len(note)}")
            ch.session.flush()
            return summary_of(c)

    # --- lists and the shelf ----------------------------------------------------------------------------
    def card_page(self, kind: str, page: int = 1, per_page: int = 50) -> CardPage:
        """One page of a list: overdue (past the receipt deadline), stale (D-TEL-4) or cards in one status."""
        if kind not in LIST_KINDS:
            raise NotFound("stock.list.unknown", params={"kind": kind, "known": ", ".join(LIST_KINDS)})
        page, per_page = max(1, page), max(1, min(MAX_PER_PAGE, per_page))
        today = self.today()
        if kind == "overdue":
            where, order = repo.overdue_filter([s.value for s in rules.AWAITING_HOLDER], today)
        elif kind == "stale":
            where, order = repo.stale_filter([s.value for s in rules.NOT_MAILED],
                                             rules.stale_cutoff(today, self.cfg.stale_application_days))
        else:
            where, order = repo.status_filter(kind)
        with self.sessions() as s:
            rows, total = repo.page(s, where, order, (page - 1) * per_page, per_page)
            items = [summary_of(c) for c in rows]
        return CardPage(kind=kind, page=page, per_page=per_page, total=total,
                        pages=max(1, -(-total // per_page)), items=items)

    def status_counts(self) -> dict[str, int]:
        with self.sessions() as s:
            counts = repo.status_counts(s)
        return {st.value: counts.get(st.value, 0) for st in CardStatus}

    def locate(self, ref: str) -> ShelfFind:
        """Find-by-scan (D-ISS-1): the box and position of a card from its notice or manufacturing number."""
        with self.sessions() as s:
            c = self._load(s, ref)
            return ShelfFind(manufacturing_no=c.manufacturing_no, notice_no=c.notice_no, status=c.status,
                             status_ja=rules.STATUS_JA[CardStatus(c.status)],
                             box_label=make_box_label(c.box) if c.box else None, position=c.position,
                             on_shelf=c.box is not None)

    def sheet(self, sheet: str, day: date | None = None, lang: str = "ja") -> PrintSheet:
        """A printable A4 sheet (D-BO-3, D-BO-5): see station.services.stock.sheets."""
        from station.services.stock.sheets import build_sheet

        return build_sheet(self, sheet, day or self.today(), lang)  # type: ignore[arg-type]

    # --- simulator mode ---------------------------------------------------------------------------------
    def seed_demo_ready(self, path: Path, actor: Actor | None = None) -> int:
        """Simulator mode: an empty stock gets the shipped sample cards, already 交付準備完了, so a newcomer
        can issue a card at once (README walk-through). Returns how many cards became ready (0: stock had cards)."""
        actor = actor or Actor.system()
        with self.sessions() as s:
            if repo.has_any_batch(s):
                return 0
        result = self.import_file(path, actor)  # type: ignore[attr-defined]
        now = self.clock.now()
        today = business_date(now)
        n = 0
        with self.uow.change() as ch:
            for c in repo.of_batch(ch.session, result.batch_id):
                try:
                    for to in (CardStatus.INSPECTED, CardStatus.MAILED, CardStatus.READY):
                        t = rules.plan_transition(c.status, to, today=today, mailed_on=today,
                                                  application_date=c.application_date,
                                                  deadline_days=self.cfg.receipt_deadline_days)
                        self._apply(ch, c, t, actor, now, audit=False)
                except rules.StockRuleError:
                    continue  # e.g. an application dated after the demo clock: stays where it got to
                n += 1
            ch.audit(now, actor, "stock.demo_seed", f"batch:{result.batch_id}", f"ready={n}")
        return n
