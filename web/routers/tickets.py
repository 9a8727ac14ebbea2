"""Tickets: issue, list, act on. Thin: every rule lives in station.services.queue."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Query, status

from station.domain.queue import Action
from station.slips.ticket import status_url
from web.deps import ActorDep, StationDep
from web.ratelimit import ticket_rate_limit
from web.schemas import (
    ActionIn,
    ErrorOut,
    IssuedTicketOut,
    ReprintOut,
    TakeOverIn,
    TicketIn,
    TicketOut,
    TransferIn,
)

router = APIRouter(prefix="/api/tickets", tags=["tickets"])
# Ticket ids are 32-bit in the database: a larger id is a 422, not a driver overflow (500).
TicketId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ERRORS = {404: {"model": ErrorOut}, 409: {"model": ErrorOut}, 422: {"model": ErrorOut}}


def ticket_out(view: object) -> TicketOut:
    return TicketOut(**dataclasses.asdict(view))  # type: ignore[call-overload]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=IssuedTicketOut,
             responses={**ERRORS, 429: {"model": ErrorOut, "description": "too many tickets from this client"}},
             dependencies=[Depends(ticket_rate_limit)])
def issue_ticket(body: TicketIn, station: StationDep, actor: ActorDep) -> IssuedTicketOut:
    """Issue a numbered ticket (what the kiosk does). 409 when closed, 422 for an unknown category, 429 when
    this client issued too many in the last minute (web/ratelimit.py; the dispenser button is not limited)."""
    view = station.queue.issue(body.category, source="api", actor=actor)
    return IssuedTicketOut(**dataclasses.asdict(view), status_url=status_url(station.settings, view.token))


@router.get("", response_model=list[TicketOut], responses=ERRORS)
def list_tickets(station: StationDep, state: str | None = Query(None)) -> list[TicketOut]:
    return [ticket_out(v) for v in station.queue.list(state=state)]


@router.get("/{ticket_id}", response_model=TicketOut, responses=ERRORS)
def get_ticket(ticket_id: TicketId, station: StationDep) -> TicketOut:
    return ticket_out(station.queue.get(ticket_id))


def _action_route(action: Action) -> None:
    def act(ticket_id: TicketId, station: StationDep, actor: ActorDep,
            body: ActionIn | None = Body(None)) -> TicketOut:
        counter_id = body.counter_id if body else None
        return ticket_out(station.queue.act(ticket_id, action, actor, counter_id=counter_id))

    act.__name__ = f"ticket_{action.name.lower()}"
    act.__doc__ = f"{action.value} the ticket (409 with the reason when its state does not allow it)."
    router.post(f"/{{ticket_id}}/{action.value}", response_model=TicketOut, responses=ERRORS)(act)


for _a in (Action.RECALL, Action.START, Action.FINISH, Action.NO_SHOW, Action.CANCEL, Action.REQUEUE):
    _action_route(_a)


@router.post("/{ticket_id}/transfer", response_model=TicketOut, responses=ERRORS)
def transfer_ticket(ticket_id: TicketId, body: TransferIn, station: StationDep, actor: ActorDep) -> TicketOut:
    """Send the visitor to another category and/or counter; they keep their place by issue time."""
    return ticket_out(station.queue.act(ticket_id, Action.TRANSFER, actor,
                                        to_category=body.category, to_counter=body.counter_id))


@router.post("/{ticket_id}/take-over", response_model=TicketOut, responses=ERRORS)
def take_over_ticket(ticket_id: TicketId, body: TakeOverIn, station: StationDep, actor: ActorDep) -> TicketOut:
    """This counter takes a visitor another counter called (e.g. that counter's PC went down)."""
    return ticket_out(station.queue.take_over(ticket_id, body.counter_id, actor))


@router.post("/{ticket_id}/reprint", response_model=ReprintOut, responses=ERRORS)
def reprint_ticket(ticket_id: TicketId, station: StationDep, actor: ActorDep) -> ReprintOut:
    """Print the same ticket again (same number); `printed` says whether the paper came out."""
    ok = station.spooler.reprint(station.queue.get(ticket_id), actor)
    return ReprintOut(printed=ok, ticket=ticket_out(station.queue.get(ticket_id)))
