"""call-next as one statement (pick + call + RETURNING): the refusals it must still give, the print status it
returns, and the audit entry and event that commit with it — on SQLite and PostgreSQL."""

from __future__ import annotations

import queue

import pytest
from sqlalchemy import select

from station.app import Station
from station.domain.queue import Action, CounterState
from station.events import Envelope
from station.services.errors import Conflict
from station.store.models import AuditEntry, Ticket


def test_a_paused_or_closed_counter_calls_nobody_and_says_why(any_station: Station) -> None:
    q = any_station.queue
    t = q.issue("A")
    q.set_counter_state(1, CounterState.PAUSED)
    with pytest.raises(Conflict) as e:
        q.call_next(1)
    assert "休止中" in e.value.message_ja
    q.set_counter_state(1, CounterState.CLOSED)
    with pytest.raises(Conflict) as e:
        q.call_next(1)
    assert "閉鎖中" in e.value.message_ja
    assert q.get(t.id).state == "waiting"  # nothing was called, nothing stays locked
    q.set_counter_state(1, CounterState.OPEN)
    assert q.call_next(1).id == t.id


def test_a_counter_still_serving_may_not_call_the_next(any_station: Station) -> None:
    q = any_station.queue
    first, second = q.issue("A"), q.issue("A")
    assert q.call_next(1).id == first.id
    with pytest.raises(Conflict) as e:
        q.call_next(1)
    assert e.value.extra["ticket_id"] == first.id and first.number in e.value.message_ja
    q.act(first.id, Action.START)
    with pytest.raises(Conflict):
        q.call_next(1)
    q.act(first.id, Action.FINISH)
    assert q.call_next(1).id == second.id


def test_nobody_waiting_is_none(any_station: Station) -> None:
    assert any_station.queue.call_next(1) is None


def test_the_called_view_is_complete(any_station: Station) -> None:
    q = any_station.queue
    issued = q.issue("A")
    called = q.call_next(1)
    assert called is not None
    assert (called.id, called.number, called.state, called.counter_id, called.recall_count) == \
        (issued.id, issued.number, "called", 1, 0)
    assert called.called_at is not None and called.called_at.tzinfo is not None
    assert called.issued_at == issued.issued_at and called.token == issued.token
    # the print status comes from the same statement; the spooler may record it at any moment
    later = q.get(called.id)
    assert called.model_copy(update={"printed": None, "print_error": None}) == \
        later.model_copy(update={"printed": None, "print_error": None})
    assert called.printed in (None, later.printed)


def test_the_call_its_audit_entry_and_its_event_commit_together(any_station: Station) -> None:
    heard: queue.Queue[Envelope] = queue.Queue()
    any_station.bus.add_listener(heard.put)
    t = any_station.queue.issue("A")
    any_station.queue.call_next(1)
    names = [heard.get(timeout=10).event.name for _ in range(3)]  # and the spooler's ticket_printed
    assert [n for n in names if n != "ticket_printed"] == ["ticket_issued", "ticket_called"]
    with any_station.sessions() as s:
        row = s.get(Ticket, t.id)
        assert row is not None and row.state == "called"
        audit = s.scalars(select(AuditEntry).where(AuditEntry.ticket_id == t.id,
                                                   AuditEntry.action == "ticket.call")).all()
    assert len(audit) == 1 and audit[0].detail == "counter=1"
