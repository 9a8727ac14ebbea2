"""Tickets: issue, list, act on. Thin: every rule lives in station.services.queue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response, status

from station.domain.queue import Action
from station.services.queue_views import IssuedTicketView, ReprintView, TicketView
from station.slips.ticket import status_url
from web.deps import ActorDep, StationDep
from web.paging import PageDep
from web.ratelimit import ticket_rate_limit
from web.schemas import ActionIn, ErrorOut, TakeOverIn, TicketIn, TransferIn

router = APIRouter(prefix="/api/tickets", tags=["tickets"])
# Ticket ids are 32-bit in the database: a larger id is a 422, not a driver overflow (500).
TicketId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ERRORS = {404: {"model": ErrorOut}, 409: {"model": ErrorOut}, 422: {"model": ErrorOut}}


@router.post("", status_code=status.HTTP_201_CREATED, response_model=IssuedTicketView,
             responses={**ERRORS, 429: {"model": ErrorOut, "description": "too many tickets from this client"}},
             dependencies=[Depends(ticket_rate_limit)])
def issue_ticket(body: TicketIn, station: StationDep, actor: ActorDep) -> IssuedTicketView:
    """Issue a numbered ticket (what the kiosk does). 409 when closed, 422 for an unknown category, 429 when
    this client issued too many in the last minute (web/ratelimit.py; the dispenser button is not limited)."""
    view = station.queue.issue(body.category, source="api", actor=actor)
    return IssuedTicketView.of(view, status_url(station.settings, view.token))


@router.get("", response_model=list[TicketView], responses=ERRORS)
def list_tickets(station: StationDep, page: PageDep, request: Request, response: Response,
                 state: str | None = Query(None, max_length=16)) -> list[TicketView]:
    """Today's tickets in issue order; paged (web/paging.py)."""
    return page.fetch(lambda o, n: station.queue.list(state=state, limit=n, offset=o), request, response)


@router.get("/{ticket_id}", response_model=TicketView, responses=ERRORS)
def get_ticket(ticket_id: TicketId, station: StationDep) -> TicketView:
    return station.queue.get(ticket_id)


def _action_route(action: Action) -> None:
    def act(ticket_id: TicketId, station: StationDep, actor: ActorDep,
            body: ActionIn | None = Body(None)) -> TicketView:
        counter_id = body.counter_id if body else None
        return station.queue.act(ticket_id, action, actor, counter_id=counter_id)

    act.__name__ = f"ticket_{action.name.lower()}"
    act.__doc__ = f"{action.value} the ticket (409 with the reason when its state does not allow it)."
    router.post(f"/{{ticket_id}}/{action.value}", response_model=TicketView, responses=ERRORS)(act)


for _a in (Action.RECALL, Action.START, Action.FINISH, Action.NO_SHOW, Action.CANCEL, Action.REQUEUE):
    _action_route(_a)


@router.post("/{ticket_id}/transfer", response_model=TicketView, responses=ERRORS)
def transfer_ticket(ticket_id: TicketId, body: TransferIn, station: StationDep, actor: ActorDep) -> TicketView:
    """Send the visitor to another category and/or counter; they keep their place by issue time."""
    return station.queue.act(ticket_id, Action.TRANSFER, actor, to_category=body.category,
                             to_counter=body.counter_id)


@router.post("/{ticket_id}/take-over", response_model=TicketView, responses=ERRORS)
def take_over_ticket(ticket_id: TicketId, body: TakeOverIn, station: StationDep, actor: ActorDep) -> TicketView:
    """This counter takes a visitor another counter called (e.g. that counter's PC went down)."""
    return station.queue.take_over(ticket_id, body.counter_id, actor)


@router.post("/{ticket_id}/reprint", response_model=ReprintView, responses=ERRORS)
def reprint_ticket(ticket_id: TicketId, station: StationDep, actor: ActorDep) -> ReprintView:
    """Print the same ticket again (same number); `printed` says whether the paper came out."""
    ok = station.spooler.reprint(station.queue.get(ticket_id), actor)
    return ReprintView(printed=ok, ticket=station.queue.get(ticket_id))
