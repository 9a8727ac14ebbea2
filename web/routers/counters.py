"""Counters and categories: what each counter serves, its state, and calling the next visitor."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from station.domain.queue import CounterState
from web.deps import ActorDep, StationDep
from web.routers.tickets import ERRORS, ticket_out
from web.schemas import CategoryOut, CounterOut, TicketOut

router = APIRouter(prefix="/api", tags=["counters"])


@router.get("/categories", response_model=list[CategoryOut])
def list_categories(station: StationDep) -> list[CategoryOut]:
    """Categories with live waiting counts, estimated wait, and whether the dispenser accepts now."""
    prefixes = {c.code: c.prefix for c in station.settings.categories}
    return [CategoryOut(prefix=prefixes[s.code], **s.__dict__) for s in station.queue.categories_status()]


def counter_out(station: StationDep, counter_id: int) -> CounterOut:
    c = station.settings.counter(counter_id)
    assert c is not None
    current = station.queue.current_ticket(counter_id)
    return CounterOut(
        id=c.id, name_ja=c.name_ja, name_en=c.name_en, categories=c.categories,
        state=station.queue.counter_states()[c.id].value,
        current_ticket=ticket_out(current) if current else None,
        handled_today=station.queue.handled_today(c.id),
    )


@router.get("/counters", response_model=list[CounterOut])
def list_counters(station: StationDep) -> list[CounterOut]:
    return [counter_out(station, c.id) for c in station.settings.counters]


@router.get("/counters/{counter_id}", response_model=CounterOut, responses=ERRORS)
def get_counter(counter_id: int, station: StationDep) -> CounterOut:
    station.queue._counter_categories(counter_id)  # 404 for an unknown counter
    return counter_out(station, counter_id)


@router.post("/counters/{counter_id}/call-next", response_model=TicketOut,
             responses={**ERRORS, 204: {"description": "nobody is waiting for this counter"}})
def call_next(counter_id: int, station: StationDep, actor: ActorDep) -> TicketOut | Response:
    """Call the oldest waiting visitor this counter serves: exactly once across every counter."""
    view = station.queue.call_next(counter_id, actor)
    if view is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return ticket_out(view)


def _set_state(state: CounterState) -> None:
    def route(counter_id: int, station: StationDep, actor: ActorDep) -> CounterOut:
        station.queue.set_counter_state(counter_id, state, actor)
        return counter_out(station, counter_id)

    verb = {CounterState.PAUSED: "pause", CounterState.OPEN: "resume", CounterState.CLOSED: "close"}[state]
    route.__name__ = f"counter_{verb}"
    router.post(f"/counters/{{counter_id}}/{verb}", response_model=CounterOut, responses=ERRORS)(route)


for _s in (CounterState.PAUSED, CounterState.OPEN, CounterState.CLOSED):
    _set_state(_s)
