"""Card lifecycle state machine, shelving into boxes, and deadlines (station.domain.stock)."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from station.domain import stock as r
from station.domain.card_record import CardStatus as S

TODAY = date(2026, 12, 1)
LEGAL = {
    (S.RECEIVED, S.INSPECTED), (S.RECEIVED, S.DEFECT), (S.RECEIVED, S.RETURNED),
    (S.INSPECTED, S.MAILED), (S.INSPECTED, S.DEFECT), (S.INSPECTED, S.RETURNED),
    (S.DEFECT, S.INSPECTED), (S.DEFECT, S.RETURNED),
    (S.MAILED, S.READY), (S.MAILED, S.RETURNED),
    (S.READY, S.ISSUED), (S.READY, S.RETURNED),
}


def _kw(cur: S, to: S) -> dict[str, object]:
    if to is S.DEFECT:
        return {"reason": "photo"}
    if to is S.RETURNED:
        return {"reason": "defect" if cur is S.DEFECT else "cancelled"}
    if to is S.MAILED:
        return {"mailed_on": TODAY}
    return {}


@pytest.mark.parametrize(("cur", "to"), list(itertools.product(S, S)))
def test_every_pair_is_allowed_or_refused_with_a_reason(cur: S, to: S) -> None:
    if (cur, to) in LEGAL:
        t = r.plan_transition(cur, to, today=TODAY, **_kw(cur, to))  # type: ignore[arg-type]
        assert (t.from_status, t.to_status) == (cur, to)
        assert t.leaves_shelf == (to in (S.ISSUED, S.RETURNED, S.DEFECT))  # a defect leaves the plan (issue 14)
    else:
        with pytest.raises(r.StockRuleError) as e:
            r.plan_transition(cur, to, today=TODAY, **_kw(cur, to))  # type: ignore[arg-type]
        assert r.STATUS_JA[cur] in e.value.message_ja and cur.value in e.value.message_en


def test_clear_messages_for_the_usual_mistakes() -> None:
    with pytest.raises(r.StockRuleError, match="交付前設定"):
        r.plan_transition(S.MAILED, S.ISSUED, today=TODAY)
    with pytest.raises(r.StockRuleError, match="検品が済んでいません"):
        r.plan_transition(S.RECEIVED, S.MAILED, today=TODAY, mailed_on=TODAY)
    with pytest.raises(r.StockRuleError, match="変更できません") as e:
        r.plan_transition(S.ISSUED, S.RETURNED, today=TODAY, reason="cancelled")
    assert "cannot change any more" in e.value.message_en
    with pytest.raises(r.StockRuleError, match="状態が不明"):
        r.plan_transition(S.RECEIVED, "lost", today=TODAY)


def test_reasons_are_required_and_checked() -> None:
    with pytest.raises(r.StockRuleError, match="不良の理由"):
        r.plan_transition(S.RECEIVED, S.DEFECT, today=TODAY)
    with pytest.raises(r.StockRuleError, match="不良の理由"):
        r.plan_transition(S.RECEIVED, S.DEFECT, today=TODAY, reason="scratched")
    for reason in ("print", "photo", "data_mismatch"):
        assert r.plan_transition(S.RECEIVED, S.DEFECT, today=TODAY, reason=reason).reason == reason
    with pytest.raises(r.StockRuleError, match="返納の理由"):
        r.plan_transition(S.READY, S.RETURNED, today=TODAY)
    with pytest.raises(r.StockRuleError, match="不良のカードだけ"):
        r.plan_transition(S.READY, S.RETURNED, today=TODAY, reason="defect")


def test_deadline_passed_return_needs_a_passed_deadline() -> None:
    deadline = date(2026, 11, 30)
    with pytest.raises(r.StockRuleError, match="受取期限"):
        r.plan_transition(S.INSPECTED, S.RETURNED, today=TODAY, reason="deadline_passed")
    with pytest.raises(r.StockRuleError, match="まだ過ぎていません"):
        r.plan_transition(S.READY, S.RETURNED, today=deadline, reason="deadline_passed", deadline=deadline)
    t = r.plan_transition(S.READY, S.RETURNED, today=TODAY, reason="deadline_passed", deadline=deadline)
    assert t.reason == "deadline_passed" and t.leaves_shelf


def test_mailing_sets_the_receipt_deadline_and_checks_the_date() -> None:
    t = r.plan_transition(S.INSPECTED, S.MAILED, today=TODAY, mailed_on=date(2026, 11, 20), deadline_days=90)
    assert t.mailed_on == date(2026, 11, 20) and t.receipt_deadline == date(2027, 2, 18)
    with pytest.raises(r.StockRuleError, match="発送日を指定"):
        r.plan_transition(S.INSPECTED, S.MAILED, today=TODAY)
    with pytest.raises(r.StockRuleError, match="申請日より前"):
        r.plan_transition(S.INSPECTED, S.MAILED, today=TODAY, mailed_on=date(2026, 9, 1),
                          application_date=date(2026, 10, 1))
    with pytest.raises(r.StockRuleError, match="先すぎます"):
        r.plan_transition(S.INSPECTED, S.MAILED, today=TODAY, mailed_on=date(2027, 1, 5))


def test_slots_follow_manufacturing_order_and_each_lot_starts_a_box() -> None:
    cards = [(f"{n:012d}", "L1") for n in (5, 1, 3, 2, 4)] + [(f"{n:012d}", "L0") for n in (9, 8)]
    slots = r.assign_slots(cards, box_size=2, occupied=[])
    by_box = {}
    for mfg, sl in sorted(slots.items(), key=lambda kv: (kv[1].box, kv[1].position)):
        by_box.setdefault(sl.box, []).append(int(mfg))
    # L1 holds the lowest number → its boxes come first; L0 starts its own box.
    assert by_box == {1: [1, 2], 2: [3, 4], 3: [5], 4: [8, 9]}
    assert slots[f"{1:012d}"] == r.Slot(1, 1) and slots[f"{9:012d}"] == r.Slot(4, 2)


def test_new_deliveries_take_free_boxes_and_reuse_emptied_ones() -> None:
    slots = r.assign_slots([(f"{n:012d}", "L2") for n in range(5)], box_size=2, occupied=[1, 2, 4, 5])
    assert sorted({s.box for s in slots.values()}) == [3, 6, 7]
    with pytest.raises(r.StockRuleError, match="保管箱"):
        r.free_boxes(range(1, r.MAX_BOX + 1), 1)


def test_deadline_and_stale_predicates() -> None:
    assert r.is_past_deadline(S.MAILED, date(2026, 11, 30), TODAY)
    assert not r.is_past_deadline(S.MAILED, TODAY, TODAY)
    assert not r.is_past_deadline(S.ISSUED, date(2026, 11, 30), TODAY)
    # more than 30 days, as domain.phone.is_stale counts (one threshold, issue 12)
    assert r.is_stale_application(S.INSPECTED, date(2026, 10, 31), TODAY, 30)
    assert not r.is_stale_application(S.INSPECTED, date(2026, 11, 1), TODAY, 30)
    assert not r.is_stale_application(S.MAILED, date(2026, 1, 1), TODAY, 30)


def test_a_defect_slot_is_reused_and_ranges_skip_defects() -> None:
    taken = [r.Slot(1, 1), r.Slot(1, 2), r.Slot(1, 4), r.Slot(2, 1)]
    assert r.first_free_slot(taken, 4) == r.Slot(1, 3)
    assert r.first_free_slot([r.Slot(1, p) for p in (1, 2)], 2) == r.Slot(2, 1)
    assert r.first_free_slot([], 100) == r.Slot(1, 1)
    assert r.plan_transition(S.DEFECT, S.INSPECTED, today=TODAY).needs_slot
    assert not r.eligible(S.DEFECT, S.INSPECTED) and r.eligible(S.RECEIVED, S.INSPECTED)
    assert not r.eligible(S.MAILED, S.INSPECTED)


def test_the_notice_check_says_match_or_mismatch() -> None:
    assert r.notice_matches("ABC-123456", "ABC-123456").code == "stock.check.match"
    bad = r.notice_matches("ABC-123456", "ABC-654321")
    assert bad.code == "stock.check.mismatch" and bad.params["card_notice"] == "ABC-654321"
