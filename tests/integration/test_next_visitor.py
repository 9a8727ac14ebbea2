"""The clerk's "next visitor" (issue 19): finish the visitor served here and call the next in one transaction,
with the same refusals as call-next, the same audit entries and events as finish + call-next — on SQLite
and PostgreSQL — and the old routes unchanged beside it."""

from __future__ import annotations

import queue

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from station.app import Station
from station.domain.queue import Action, CounterState
from station.events import Envelope
from station.services.errors import Conflict
from station.store.models import AuditEntry
from web.app import create_app


def test_finishes_the_served_visitor_and_calls_the_next(any_station: Station) -> None:
    q = any_station.queue
    first, second = q.issue("A"), q.issue("A")
    events: queue.Queue[Envelope] = queue.Queue()
    any_station.bus.add_listener(events.put)

    nxt = q.next_visitor(1)  # nobody served yet: just a call
    assert nxt.finished is None and nxt.called is not None and nxt.called.id == first.id
    q.act(first.id, Action.START, counter_id=1)
    nxt = q.next_visitor(1)
    assert nxt.finished is not None and nxt.finished.id == first.id and nxt.finished.state == "done"
    assert nxt.called is not None and nxt.called.id == second.id and nxt.called.state == "called"
    assert q.get(first.id).state == "done" and q.get(second.id).counter_id == 1

    seen = []  # on PostgreSQL the events come back through LISTEN: wait for the call of `second`
    while not (seen and type(seen[-1]).__name__ == "TicketCalled" and seen[-1].ticket_id == second.id):
        event = events.get(timeout=10).event
        if type(event).__name__ in ("TicketCalled", "TicketStateChanged"):
            seen.append(event)
    finish = seen[-2]  # announced by the same transaction, just before the call
    assert type(finish).__name__ == "TicketStateChanged" and finish.ticket_id == first.id
    assert finish.action == "finish"
    with any_station.sessions() as s:
        actions = [a for a, in s.execute(select(AuditEntry.action).order_by(AuditEntry.id))]
    assert actions[-2:] == ["ticket.finish", "ticket.call"]


def test_nobody_waiting_still_finishes(any_station: Station) -> None:
    q = any_station.queue
    only = q.issue("A")
    q.next_visitor(1)
    q.act(only.id, Action.START, counter_id=1)
    nxt = q.next_visitor(1)
    assert nxt.finished is not None and nxt.finished.id == only.id and nxt.called is None
    assert q.next_visitor(1).model_dump() == {"finished": None, "called": None}  # idle: nothing to do


def test_refusals_as_call_next_gives_them(any_station: Station) -> None:
    q = any_station.queue
    first, second = q.issue("A"), q.issue("A")
    assert q.next_visitor(1).called.id == first.id  # type: ignore[union-attr]
    with pytest.raises(Conflict) as e:  # called, not started: not finished by surprise
        q.next_visitor(1)
    assert e.value.extra["ticket_id"] == first.id and first.number in e.value.message_ja
    assert q.get(first.id).state == "called" and q.get(second.id).state == "waiting"
    q.act(first.id, Action.START, counter_id=1)
    q.set_counter_state(1, CounterState.PAUSED)  # pausing after this visitor: finish, call nobody
    nxt = q.next_visitor(1)
    assert nxt.finished is not None and nxt.finished.id == first.id and nxt.called is None
    assert q.get(second.id).state == "waiting"
    with pytest.raises(Conflict) as e:  # nothing to finish and paused: says why, as call-next does
        q.next_visitor(1)
    assert "休止中" in e.value.message_ja


def test_over_http_beside_the_old_routes(station: Station) -> None:
    with TestClient(create_app(station, manage_lifecycle=False)) as client:
        a = client.post("/api/tickets", json={"category": "A"}).json()
        b = client.post("/api/tickets", json={"category": "A"}).json()
        assert client.post("/api/counters/1/call-next").json()["id"] == a["id"]  # the old route
        assert client.post(f"/api/tickets/{a['id']}/start", json={"counter_id": 1}).status_code == 200
        r = client.post("/api/counters/1/next-visitor")
        assert r.status_code == 200
        body = r.json()
        assert body["finished"]["id"] == a["id"] and body["finished"]["state"] == "done"
        assert body["called"]["id"] == b["id"] and body["called"]["number"] == b["number"]
        r = client.post("/api/counters/1/next-visitor")
        assert r.status_code == 409 and r.json()["detail"]["message_en"]
        assert client.post("/api/counters/99/next-visitor").status_code == 404
        assert "/api/counters/{counter_id}/next-visitor" in client.get("/openapi.json").json()["paths"]
