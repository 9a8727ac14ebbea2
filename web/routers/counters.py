"""Counters and categories: what each counter serves, its state, and calling the next visitor."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from station.domain.queue import CounterState
from station.services.queue_views import CategoryStatus, CounterView, NextVisitor, TicketView
from web.deps import ActorDep, CounterNo, StationDep
from web.routers.tickets import ERRORS

router = APIRouter(prefix="/api", tags=["counters"])


@router.get("/categories", response_model=list[CategoryStatus])
def list_categories(station: StationDep) -> list[CategoryStatus]:
    """Categories with live waiting counts, estimated wait, and whether the dispenser accepts now."""
    return station.queue.categories_status()


@router.get("/counters", response_model=list[CounterView])
def list_counters(station: StationDep) -> list[CounterView]:
    return [station.queue.counter(c.id) for c in station.settings.counters]


@router.get("/counters/{counter_id}", response_model=CounterView, responses=ERRORS)
def get_counter(counter_id: CounterNo, station: StationDep) -> CounterView:
    """One counter; 404 for a counter the office does not have."""
    return station.queue.counter(counter_id)


@router.post("/counters/{counter_id}/call-next", response_model=TicketView,
             responses={**ERRORS, 204: {"description": "nobody is waiting for this counter"}})
def call_next(counter_id: CounterNo, station: StationDep, actor: ActorDep) -> TicketView | Response:
    """Call the oldest waiting visitor this counter serves: exactly once across every counter."""
    view = station.queue.call_next(counter_id, actor)
    if view is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return view


@router.post("/counters/{counter_id}/next-visitor", response_model=NextVisitor, responses=ERRORS)
def next_visitor(counter_id: CounterNo, station: StationDep, actor: ActorDep) -> NextVisitor:
    """The clerk's N key: finish the visitor being served here and call the next, in one request (the same
    as finish + call-next). 409 when the visitor here was called but not started (start or mark them)."""
    return station.queue.next_visitor(counter_id, actor)


def _set_state(state: CounterState) -> None:
    def route(counter_id: CounterNo, station: StationDep, actor: ActorDep) -> CounterView:
        station.queue.set_counter_state(counter_id, state, actor)
        return station.queue.counter(counter_id)

    verb = {CounterState.PAUSED: "pause", CounterState.OPEN: "resume", CounterState.CLOSED: "close"}[state]
    route.__name__ = f"counter_{verb}"
    router.post(f"/counters/{{counter_id}}/{verb}", response_model=CounterView, responses=ERRORS)(route)


for _s in (CounterState.PAUSED, CounterState.OPEN, CounterState.CLOSED):
    _set_state(_s)
