"""The queue: ticket states, what a clerk may do to a ticket, and who is called next.

Pure rules; the store applies them inside a transaction so that two counters can never call the
same visitor. A recall leaves the ticket called (with a higher recall count); a transfer puts it back
to waiting in another category or for a specific counter, keeping its place by issue time.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from station.domain.messages import Msg


class TicketState(enum.StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


class CounterState(enum.StrEnum):
    OPEN = "open"
    PAUSED = "paused"
    CLOSED = "closed"


class Action(enum.StrEnum):
    CALL = "call"
    RECALL = "recall"
    START = "start"
    FINISH = "finish"
    NO_SHOW = "no-show"
    CANCEL = "cancel"
    TRANSFER = "transfer"
    REQUEUE = "requeue"  # a called ticket goes back to waiting (e.g. its counter's PC died)


ACTIVE_STATES = frozenset({TicketState.CALLED, TicketState.SERVING})

_ALLOWED: dict[Action, frozenset[TicketState]] = {
    Action.CALL: frozenset({TicketState.WAITING}),
    Action.RECALL: frozenset({TicketState.CALLED}),
    Action.START: frozenset({TicketState.CALLED}),
    Action.FINISH: frozenset({TicketState.SERVING}),
    Action.NO_SHOW: frozenset({TicketState.CALLED}),
    Action.CANCEL: frozenset({TicketState.WAITING, TicketState.CALLED}),
    Action.TRANSFER: frozenset({TicketState.CALLED, TicketState.SERVING}),
    Action.REQUEUE: frozenset({TicketState.CALLED}),
}

_RESULT: dict[Action, TicketState] = {
    Action.CALL: TicketState.CALLED,
    Action.RECALL: TicketState.CALLED,
    Action.START: TicketState.SERVING,
    Action.FINISH: TicketState.DONE,
    Action.NO_SHOW: TicketState.NO_SHOW,
    Action.CANCEL: TicketState.CANCELLED,
    Action.TRANSFER: TicketState.WAITING,
    Action.REQUEUE: TicketState.WAITING,
}

class QueueRuleError(Exception):
    """A clerk action that the queue rules do not allow; `msg` says why, as a catalog code.

    `message_ja` / `message_en` (and `str()`) render it for whoever reads the exception directly (a log,
    a test); the services hand `msg` on to the edge, which renders it there."""

    def __init__(self, msg: Msg) -> None:
        self.msg = msg
        super().__init__(msg.code)

    @property
    def message_ja(self) -> str:
        from station.messages import text  # rendering is the edge's business, done only when asked

        return text(self.msg, "ja")

    @property
    def message_en(self) -> str:
        from station.messages import text

        return text(self.msg, "en")

    def __str__(self) -> str:
        return f"{self.message_ja} / {self.message_en}"


def next_state(state: TicketState, action: Action, *, recall_count: int = 0,
               recalls_before_no_show: int = 0) -> TicketState:
    """The state after `action`, or QueueRuleError naming the state that forbids it."""
    if state not in _ALLOWED[action]:
        raise QueueRuleError(Msg.of(f"queue.rule.not_allowed.{state.value}",
                                    action=Msg(f"queue.action.{action.value.replace('-', '_')}")))
    if action is Action.NO_SHOW and recall_count < recalls_before_no_show:
        raise QueueRuleError(Msg.of("queue.rule.recall_first", n=recalls_before_no_show - recall_count))
    return _RESULT[action]


def format_number(prefix: str, seq: int) -> str:
    """The number as printed and shown: prefix and at least three digits (A001, A012, A1000)."""
    return f"{prefix}{seq:03d}"


def spoken_number(prefix: str, seq: int) -> str:
    """How the display speaks it: letters apart from the number, no leading zeros ("A 12")."""
    return f"{prefix} {seq}"


@dataclass(frozen=True)
class WaitingTicket:
    id: int
    category: str
    issued_at: datetime
    target_counter: int | None = None


def eligible(ticket: WaitingTicket, counter_id: int, categories: Iterable[str]) -> bool:
    if ticket.target_counter is not None:
        return ticket.target_counter == counter_id
    return ticket.category in set(categories)


def pick_next(waiting: Sequence[WaitingTicket], counter_id: int, categories: Iterable[str]) -> WaitingTicket | None:
    """Oldest-first across every category the counter serves; a ticket sent to a counter goes only there."""
    cats = set(categories)
    candidates = [t for t in waiting if eligible(t, counter_id, cats)]
    return min(candidates, key=lambda t: (t.issued_at, t.id), default=None)


def estimate_wait(
    ahead: int,
    service_minutes_today: Sequence[float],
    default_service_minutes: float,
    serving_counters: int,
) -> int:
    """Minutes until someone with `ahead` visitors before them is called.

    Uses the median of today's measured service times in the category (robust against one long case),
    falling back to the configured default before the first case of the day is finished.
    """
    if ahead <= 0:
        return 0
    per_visitor = _median(service_minutes_today) if service_minutes_today else default_service_minutes
    counters = max(1, serving_counters)
    return max(1, round(ahead * per_visitor / counters))


def _median(xs: Sequence[float]) -> float:
    s = sorted(xs)
    n = len(s)
    mid = n // 2
    return s[mid] if n % 2 else (s[mid - 1] + s[mid]) / 2


def ticket_day_key(day: date, category: str) -> tuple[str, str]:
    """The numbering sequence a ticket belongs to: one per category per business day."""
    return (day.isoformat(), category)
