"""Queue rules: transitions, no-show after recalls, oldest-first, estimated wait."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from station.domain.queue import (
    Action,
    QueueRuleError,
    TicketState,
    WaitingTicket,
    estimate_wait,
    format_number,
    next_state,
    pick_next,
    spoken_number,
)
from station.domain.timezone import TOKYO

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=TOKYO)


def test_happy_path() -> None:
    s = next_state(TicketState.WAITING, Action.CALL)
    s = next_state(s, Action.RECALL)
    s = next_state(s, Action.START)
    assert next_state(s, Action.FINISH) is TicketState.DONE


@pytest.mark.parametrize(("state", "action"), [
    (TicketState.WAITING, Action.START), (TicketState.DONE, Action.CALL), (TicketState.WAITING, Action.FINISH),
    (TicketState.SERVING, Action.NO_SHOW), (TicketState.CANCELLED, Action.CANCEL),
    (TicketState.DONE, Action.TRANSFER),
])
def test_illegal_transitions_refused_in_japanese(state: TicketState, action: Action) -> None:
    with pytest.raises(QueueRuleError) as e:
        next_state(state, action)
    assert "できません" in e.value.message_ja


def test_no_show_only_after_recalls() -> None:
    with pytest.raises(QueueRuleError, match="あと2回"):
        next_state(TicketState.CALLED, Action.NO_SHOW, recall_count=0, recalls_before_no_show=2)
    assert next_state(TicketState.CALLED, Action.NO_SHOW, recall_count=2,
                      recalls_before_no_show=2) is TicketState.NO_SHOW


def test_pick_next_oldest_first_across_categories_and_targets() -> None:
    w = [
        WaitingTicket(1, "A", T0 + timedelta(minutes=5)),
        WaitingTicket(2, "B", T0 + timedelta(minutes=1)),
        WaitingTicket(3, "C", T0),
        WaitingTicket(4, "C", T0 - timedelta(minutes=9), target_counter=1),  # transferred to counter 1
    ]
    assert pick_next(w, 1, ["A", "B"]).id == 4
    assert pick_next(w[:3], 1, ["A", "B"]).id == 2
    assert pick_next(w, 2, ["A", "C"]).id == 3  # 4 is reserved for counter 1
    assert pick_next([], 1, ["A"]) is None


def test_numbers() -> None:
    assert format_number("A", 12) == "A012"
    assert format_number("A", 1234) == "A1234"
    assert spoken_number("A", 12) == "A 12"


def test_estimated_wait_uses_median_of_today_else_default() -> None:
    assert estimate_wait(0, [], 10, 1) == 0
    assert estimate_wait(3, [], 10, 1) == 30
    assert estimate_wait(3, [4, 5, 60], 10, 1) == 15  # median 5, one long case does not dominate
    assert estimate_wait(4, [5], 10, 2) == 10
    assert estimate_wait(1, [0.1], 10, 5) == 1  # never "0 minutes" while someone is ahead
