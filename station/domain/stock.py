"""Card stock rules (D-BO-1..4), pure: the lifecycle state machine, shelving into boxes, deadlines.

Lifecycle (``CardStatus``)::

    received ──inspect OK──▶ inspected ──mail (date)──▶ mailed ──交付前設定──▶ ready ──▶ issued
        │                      │   ▲                      │                     │
        └──defect(reason)──▶ defect ┘(re-inspected OK)    └─────────┬───────────┘
                                │                                   ▼
                                └──────────────────────────▶ returned (reason)

- defect reasons: ``print`` (券面印字), ``photo`` (写真), ``data_mismatch`` (発行一覧との不一致) — D-BO-1.
  A defect found after inspection (inspected → defect) is allowed; a defect card may be re-inspected OK.
- returned reasons: ``deadline_passed`` (only from mailed/ready, and only after the receipt deadline),
  ``defect`` (only from defect), ``cancelled`` (from any state before issued: 申請取下げ, 廃止 …).
- issued and returned are final. Only a ready card can be issued (its pre-issuance setup is done).

Shelving (D-BO-4): cards are shelved by 製造管理番号 into numbered boxes of ``box_size`` cards. A new
delivery never reshuffles boxes already on the shelf: each delivery lot of an import starts a fresh
box (lots in the order of their lowest manufacturing number, cards in manufacturing-number order within
the lot), and takes the lowest box numbers not occupied by a card still on the shelf — a box emptied by
issuance and returns is reused, so labels stay few. Within a box, position 1 is the lowest number.
A card leaving the shelf (issued, returned) frees its slot.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from station.domain.card_record import CardStatus

S = CardStatus
MAX_BOX = 9999  # box labels are BOX-0001 … BOX-9999 (station.domain.barcodes)


class DefectReason(enum.StrEnum):
    PRINT = "print"
    PHOTO = "photo"
    DATA_MISMATCH = "data_mismatch"


class ReturnReason(enum.StrEnum):
    DEADLINE_PASSED = "deadline_passed"
    DEFECT = "defect"
    CANCELLED = "cancelled"


STATUS_JA = {
    S.RECEIVED: "受領", S.INSPECTED: "検品済", S.DEFECT: "不良", S.MAILED: "通知書発送済",
    S.READY: "交付準備完了", S.ISSUED: "交付済", S.RETURNED: "返納",
}

ALLOWED: dict[CardStatus, frozenset[CardStatus]] = {
    S.RECEIVED: frozenset({S.INSPECTED, S.DEFECT, S.RETURNED}),
    S.INSPECTED: frozenset({S.MAILED, S.DEFECT, S.RETURNED}),
    S.DEFECT: frozenset({S.INSPECTED, S.RETURNED}),
    S.MAILED: frozenset({S.READY, S.RETURNED}),
    S.READY: frozenset({S.ISSUED, S.RETURNED}),
    S.ISSUED: frozenset(),
    S.RETURNED: frozenset(),
}
# Statuses before the notice was mailed (D-TEL-4: an old application in one of these is suspicious).
NOT_MAILED = frozenset({S.RECEIVED, S.INSPECTED, S.DEFECT})
# A receipt deadline applies to these.
AWAITING_HOLDER = frozenset({S.MAILED, S.READY})
# How far ahead a mailing date may be recorded (notices are dated when sorted, D-BO-3).
MAIL_AHEAD_DAYS = 31


class StockRuleError(ValueError):
    """A transition the rules forbid; the message says why, Japanese first."""

    def __init__(self, message_ja: str, message_en: str) -> None:
        super().__init__(f"{message_ja} / {message_en}")
        self.message_ja = message_ja
        self.message_en = message_en


@dataclass(frozen=True)
class Transition:
    """What changes on the card when a transition is allowed."""

    from_status: CardStatus
    to_status: CardStatus
    reason: str = ""
    mailed_on: date | None = None
    receipt_deadline: date | None = None
    leaves_shelf: bool = False


def receipt_deadline(mailed_on: date, days: int) -> date:
    """The last day the holder may collect the card: mailing date + the configured period."""
    return mailed_on + timedelta(days=days)


def plan_transition(
    current: CardStatus | str,
    to: CardStatus | str,
    *,
    today: date,
    reason: str | None = None,
    mailed_on: date | None = None,
    application_date: date | None = None,
    deadline: date | None = None,
    deadline_days: int = 90,
) -> Transition:
    """Check one transition and say what it changes; raises StockRuleError with a clear reason."""
    try:
        cur = CardStatus(current)
    except ValueError:
        raise StockRuleError(f"不明な状態です: {current}", f"unknown status {current!r}") from None
    try:
        new = CardStatus(to)
    except ValueError:
        known = ", ".join(s.value for s in CardStatus)
        raise StockRuleError(f"移行先の状態が不明です: {to}",
                             f"unknown target status {to!r} (one of {known})") from None
    if new not in ALLOWED[cur]:
        if not ALLOWED[cur]:
            raise StockRuleError(f"{STATUS_JA[cur]}のカードは変更できません",
                                 f"a card that is {cur.value} cannot change any more")
        allowed = "・".join(STATUS_JA[s] for s in sorted(ALLOWED[cur]))
        allowed_en = ", ".join(sorted(s.value for s in ALLOWED[cur]))
        hint_ja, hint_en = "", ""
        if new is S.ISSUED and cur is S.MAILED:
            hint_ja, hint_en = "（交付前設定が済んでいません）", " (pre-issuance setup not done)"
        elif new is S.MAILED and cur is S.RECEIVED:
            hint_ja, hint_en = "（検品が済んでいません）", " (not inspected yet)"
        raise StockRuleError(
            f"{STATUS_JA[cur]}から{STATUS_JA[new]}には変更できません{hint_ja}（可能: {allowed}）",
            f"cannot go from {cur.value} to {new.value}{hint_en} (allowed: {allowed_en})",
        )
    if new is S.DEFECT:
        if reason not in set(DefectReason):
            raise StockRuleError("不良の理由（print・photo・data_mismatch）を指定してください",
                                 "give the defect reason: print, photo or data_mismatch")
        return Transition(cur, new, reason=str(reason))
    if new is S.RETURNED:
        if reason not in set(ReturnReason):
            raise StockRuleError("返納の理由（deadline_passed・defect・cancelled）を指定してください",
                                 "give the return reason: deadline_passed, defect or cancelled")
        rr = ReturnReason(reason)
        if rr is ReturnReason.DEFECT and cur is not S.DEFECT:
            raise StockRuleError("不良による返納は不良のカードだけです",
                                 "only a card marked defect can be returned as defect")
        if rr is ReturnReason.DEADLINE_PASSED:
            if cur not in AWAITING_HOLDER or deadline is None:
                raise StockRuleError("通知書を発送していないカードに受取期限はありません",
                                     "no receipt deadline: the notice was not mailed")
            if today <= deadline:
                raise StockRuleError(f"受取期限（{deadline.isoformat()}）をまだ過ぎていません",
                                     f"the receipt deadline ({deadline.isoformat()}) has not passed")
        return Transition(cur, new, reason=rr.value, leaves_shelf=True)
    if new is S.MAILED:
        check_mailing_date(mailed_on, today=today, application_date=application_date)
        assert mailed_on is not None
        return Transition(cur, new, mailed_on=mailed_on,
                          receipt_deadline=receipt_deadline(mailed_on, deadline_days))
    if reason:
        return Transition(cur, new, reason=str(reason)[:32], leaves_shelf=new is S.ISSUED)
    return Transition(cur, new, leaves_shelf=new is S.ISSUED)


def check_mailing_date(mailed_on: date | None, *, today: date, application_date: date | None = None) -> None:
    if mailed_on is None:
        raise StockRuleError("発送日を指定してください", "give the mailing date")
    if mailed_on > today + timedelta(days=MAIL_AHEAD_DAYS):
        raise StockRuleError(f"発送日が先すぎます（{MAIL_AHEAD_DAYS}日以内）",
                             f"mailing date too far ahead (at most {MAIL_AHEAD_DAYS} days)")
    if application_date is not None and mailed_on < application_date:
        raise StockRuleError("発送日が申請日より前です", "mailing date is before the application date")


# --- shelving ---------------------------------------------------------------------------------------

class Slot(NamedTuple):
    box: int
    position: int


def free_boxes(occupied: Iterable[int], count: int) -> list[int]:
    """The ``count`` lowest box numbers not in ``occupied``; raises StockRuleError past BOX-9999."""
    taken = set(occupied)
    out: list[int] = []
    n = 1
    while len(out) < count:
        if n > MAX_BOX:
            raise StockRuleError(f"保管箱の番号が足りません（最大 {MAX_BOX} 箱）",
                                 f"out of box numbers (at most {MAX_BOX} boxes)")
        if n not in taken:
            out.append(n)
        n += 1
    return out


def boxes_needed(lot_sizes: Sequence[int], box_size: int) -> int:
    return sum(-(-n // box_size) for n in lot_sizes)


def assign_slots(cards: Sequence[tuple[str, str]], box_size: int, occupied: Iterable[int]) -> dict[str, Slot]:
    """Slots for a new delivery: ``cards`` are (manufacturing_no, delivery_lot). See the module docstring."""
    if box_size < 1:
        raise ValueError("box_size must be at least 1")
    lots: dict[str, list[str]] = {}
    for mfg, lot in cards:
        lots.setdefault(lot, []).append(mfg)
    ordered = sorted((sorted(mfgs) for mfgs in lots.values()), key=lambda m: m[0])
    boxes = iter(free_boxes(occupied, boxes_needed([len(m) for m in ordered], box_size)))
    out: dict[str, Slot] = {}
    for mfgs in ordered:
        box = 0
        for i, mfg in enumerate(mfgs):
            if i % box_size == 0:
                box = next(boxes)
            out[mfg] = Slot(box, i % box_size + 1)
    return out


# --- deadlines --------------------------------------------------------------------------------------

def is_past_deadline(status: CardStatus | str, deadline: date | None, today: date) -> bool:
    return CardStatus(status) in AWAITING_HOLDER and deadline is not None and today > deadline


def stale_cutoff(today: date, stale_days: int) -> date:
    """Applications on or before this day are 'over about a month old' (D-TEL-4)."""
    return today - timedelta(days=stale_days)


def is_stale_application(status: CardStatus | str, application_date: date, today: date, stale_days: int) -> bool:
    """Applied long ago and the notice is still not mailed: probably an error; hand over (D-TEL-4)."""
    return CardStatus(status) in NOT_MAILED and application_date <= stale_cutoff(today, stale_days)
