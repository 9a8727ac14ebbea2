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
A card leaving the shelf (issued, returned, and a defect: it leaves the shelf plan, D-BO-1) frees its slot;
a defect card re-inspected OK comes back into the lowest free slot of a box in use (``first_free_slot``), so
the slot a defect left is reused.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from station.domain.card_record import CardStatus
from station.domain.messages import Msg
from station.domain.phone import is_stale

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
    """A transition the rules forbid: `msg` says why as a code of station/messages/*/stock.json.

    The sentences (`message_ja`, `message_en`, and str() for logs and tests) are looked up only when read,
    at the edge; the rule itself never holds words."""

    def __init__(self, code: str, **params: object) -> None:
        self.msg = Msg(code, params)
        super().__init__(code)

    @property
    def message_ja(self) -> str:
        return self._both()[0]

    @property
    def message_en(self) -> str:
        return self._both()[1]

    def _both(self) -> tuple[str, str]:
        from station.messages import text  # the catalog, read at the edge (when someone reads the words)

        def words(lang: str) -> str:
            """Status codes in the params (`status`, `to`, `allowed`) become that language's status names."""
            params = dict(self.msg.params)
            for key in ("status", "to"):
                if key in params:
                    params[key] = text(f"stock.status.{params[key]}", lang)
            if "allowed" in params:
                params["allowed"] = text("stock.status.sep", lang).join(
                    text(f"stock.status.{s}", lang) for s in params["allowed"])  # type: ignore[attr-defined]
            return text(self.msg.code, lang, **params)

        return words("ja"), words("en")

    def __str__(self) -> str:
        ja, en = self._both()
        return f"{ja} / {en}"


@dataclass(frozen=True)
class Transition:
    """What changes on the card when a transition is allowed."""

    from_status: CardStatus
    to_status: CardStatus
    reason: str = ""
    mailed_on: date | None = None
    receipt_deadline: date | None = None
    leaves_shelf: bool = False
    needs_slot: bool = False  # a defect card re-inspected OK goes back onto the shelf


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
        raise StockRuleError("stock.rule.unknown_status", value=current) from None
    try:
        new = CardStatus(to)
    except ValueError:
        known = ", ".join(s.value for s in CardStatus)
        raise StockRuleError("stock.rule.unknown_target", value=to, known=known) from None
    if new not in ALLOWED[cur]:
        if not ALLOWED[cur]:
            raise StockRuleError("stock.rule.final", status=cur.value)
        params = dict(status=cur.value, to=new.value, allowed=tuple(s.value for s in sorted(ALLOWED[cur])))
        if new is S.ISSUED and cur is S.MAILED:
            raise StockRuleError("stock.rule.not_allowed_setup", **params)
        if new is S.MAILED and cur is S.RECEIVED:
            raise StockRuleError("stock.rule.not_allowed_inspection", **params)
        raise StockRuleError("stock.rule.not_allowed", **params)
    if new is S.DEFECT:
        if reason not in set(DefectReason):
            raise StockRuleError("stock.rule.defect_reason")
        return Transition(cur, new, reason=str(reason), leaves_shelf=True)
    if new is S.INSPECTED and cur is S.DEFECT:
        return Transition(cur, new, needs_slot=True)
    if new is S.RETURNED:
        if reason not in set(ReturnReason):
            raise StockRuleError("stock.rule.return_reason")
        rr = ReturnReason(reason)
        if rr is ReturnReason.DEFECT and cur is not S.DEFECT:
            raise StockRuleError("stock.rule.return_defect_only")
        if rr is ReturnReason.DEADLINE_PASSED:
            if cur not in AWAITING_HOLDER or deadline is None:
                raise StockRuleError("stock.rule.no_deadline")
            if today <= deadline:
                raise StockRuleError("stock.rule.deadline_not_passed", deadline=deadline.isoformat())
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
        raise StockRuleError("stock.rule.mailing_date_missing")
    if mailed_on > today + timedelta(days=MAIL_AHEAD_DAYS):
        raise StockRuleError("stock.rule.mailing_date_ahead", days=MAIL_AHEAD_DAYS)
    if application_date is not None and mailed_on < application_date:
        raise StockRuleError("stock.rule.mailing_before_application")


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
            raise StockRuleError("stock.rule.out_of_boxes", max=MAX_BOX)
        if n not in taken:
            out.append(n)
        n += 1
    return out


def first_free_slot(taken: Iterable[Slot], box_size: int) -> Slot:
    """The lowest free (box, position) in the boxes in use, else position 1 of the lowest free box."""
    used = set(taken)
    for box in sorted({sl.box for sl in used}):
        for pos in range(1, box_size + 1):
            if (box, pos) not in used:
                return Slot(box, pos)
    return Slot(free_boxes({sl.box for sl in used}, 1)[0], 1)


def notice_matches(scanned_notice: str, card_notice: str) -> Msg:
    """The 交付通知書 check of D-BO-1: the notice scanned against the card it should go with."""
    if scanned_notice == card_notice:
        return Msg("stock.check.match", {"notice": scanned_notice})
    return Msg("stock.check.mismatch", {"notice": scanned_notice, "card_notice": card_notice})


def eligible(status: CardStatus | str, to: CardStatus | str) -> bool:
    """Whether a card in ``status`` moves to ``to`` in a step over many cards (a range skips the others and
    counts them). A defect is re-inspected one card at a time, never by a range."""
    cur, new = CardStatus(status), CardStatus(to)
    if new is S.INSPECTED and cur is S.DEFECT:
        return False
    return new in ALLOWED[cur]


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
    """Applications on or before this day are more than `stale_days` old (D-TEL-4, the same threshold as
    `station.domain.phone.is_stale`: one rule, one answer)."""
    return today - timedelta(days=stale_days + 1)


def is_stale_application(status: CardStatus | str, application_date: date, today: date, stale_days: int) -> bool:
    """Applied long ago and the notice is still not mailed: probably an error; hand over (D-TEL-4)."""
    return CardStatus(status) in NOT_MAILED and is_stale(application_date, today, stale_days)
