"""City staff's follow-through (issue 14): outcomes, call-backs, urgent alerts, the end-of-day receipt.
Thin: every rule lives in station.services.followup; the answers are its pydantic views as they are."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from station.services.followup_views import (
    CallbackView,
    FollowupCounts,
    HeldView,
    OutcomeChoice,
    OutcomeView,
    PreprintView,
    ReceiptView,
    UrgentView,
)
from web.deps import ActorDep, DbId, StationDep
from web.paging import PageDep

router = APIRouter(tags=["city staff"])
API = "/api/followup"


class CloseIn(BaseModel):
    outcome: str = Field(description="what was done: see GET /api/followup/outcomes")
    note: str = Field("", max_length=200, description="a few words, no personal data")


class CallbackIn(BaseModel):
    promised_at: datetime = Field(description="when the caller was promised an answer (with time zone)")


class DoneIn(BaseModel):
    note: str = Field("", max_length=200)


class UrgentIn(BaseModel):
    kind: str = Field(description="trouble | police")
    counter_id: int | None = Field(None, ge=1, le=999)


class ReceiptIn(BaseModel):
    model_config = {"populate_by_name": True}
    day: date = Field(alias="date")
    received: dict[str, int] = Field(description="kind → how many city staff counted")
    note: str = Field("", max_length=200, description="why a count differs")


@router.get(API + "/outcomes", response_model=list[OutcomeChoice])
def outcomes(station: StationDep) -> list[OutcomeChoice]:
    """The outcome codes city staff pick from when closing a handover."""
    return station.followup.outcomes()


@router.post(API + "/handovers/{handover_id}/close", response_model=OutcomeView)
def close(handover_id: DbId, body: CloseIn, station: StationDep, actor: ActorDep) -> OutcomeView:
    """Close with what was done: the outcome stays, the case's personal data is purged (D-ALL-2)."""
    return station.followup.close(handover_id, body.outcome, body.note, actor)


@router.post(API + "/handovers/{handover_id}/callback", response_model=CallbackView)
def callback(handover_id: DbId, body: CallbackIn, station: StationDep, actor: ActorDep) -> CallbackView:
    """The caller will be called back: on the call-back list until done (the handover stays open)."""
    return station.followup.promise_callback(handover_id, body.promised_at, actor)


@router.get(API + "/callbacks", response_model=list[CallbackView])
def callbacks(station: StationDep, page: PageDep, request: Request, response: Response,
              open_only: bool = Query(False, alias="open")) -> list[CallbackView]:
    """Call-backs in promised order (done ones pile up: the list pages)."""
    return page.fetch(lambda o, n: station.followup.callbacks(open_only)[o:o + n], request, response)


@router.post(API + "/callbacks/{callback_id}/done", response_model=CallbackView)
def callback_done(callback_id: DbId, body: DoneIn, station: StationDep, actor: ActorDep) -> CallbackView:
    """Called back: the handover closes (outcome called_back) and its personal data goes."""
    return station.followup.callback_done(callback_id, body.note, actor)


@router.post(API + "/urgent", response_model=UrgentView, status_code=201)
def raise_urgent(body: UrgentIn, station: StationDep, actor: ActorDep) -> UrgentView:
    """Trouble or police at a counter (D-GUI-2): loud on every city-staff and supervisor screen."""
    return station.followup.raise_urgent(body.kind, body.counter_id, actor)


@router.get(API + "/urgent", response_model=list[UrgentView])
def open_urgent(station: StationDep) -> list[UrgentView]:
    """Alerts nobody has acknowledged yet."""
    return station.followup.open_urgent()


@router.post(API + "/urgent/{alert_id}/ack", response_model=UrgentView)
def ack(alert_id: DbId, station: StationDep, actor: ActorDep) -> UrgentView:
    """A person has it; the seconds since it was raised are kept."""
    return station.followup.acknowledge(alert_id, actor)


@router.get(API + "/receipt", response_model=ReceiptView)
def receipt(station: StationDep, day: date | None = Query(None, alias="date")) -> ReceiptView:
    """The day's collected papers per kind as recorded, and city staff's count once given (D-BO-6)."""
    return station.followup.receipt(day or station.followup.today())


@router.post(API + "/receipt", response_model=ReceiptView)
def receive(body: ReceiptIn, station: StationDep, actor: ActorDep) -> ReceiptView:
    """City staff received the papers: counts per kind; a mismatch is kept (with a note), never passed."""
    return station.followup.receive(body.day, body.received, body.note, actor)


@router.get(API + "/counts", response_model=FollowupCounts)
def counts(station: StationDep, day: date | None = Query(None, alias="date")) -> FollowupCounts:
    """Outcomes, urgent alerts (and the slowest acknowledgement), call-backs done/open, the receipt."""
    return station.followup.counts(day)


@router.post(API + "/handovers/{handover_id}/preprint-printed", response_model=PreprintView)
def preprint_printed(handover_id: DbId, station: StationDep, actor: ActorDep) -> PreprintView:
    """City staff printed the reissued application form (D-APP-3): it waits at the visitor's counter."""
    return station.followup.preprint_printed(handover_id, actor)


@router.get(API + "/preprints", response_model=list[PreprintView])
def preprints(station: StationDep, page: PageDep, request: Request, response: Response,
              counter: int | None = Query(None, ge=1, le=999), pending: bool = Query(True)) -> list[PreprintView]:
    """Forms printed and not yet given (at one counter, or everywhere); with pending=false all of them, paged."""
    return page.fetch(lambda o, n: station.followup.preprints(counter, pending)[o:o + n], request, response)


@router.post(API + "/preprints/{handover_id}/given", response_model=PreprintView)
def preprint_given(handover_id: DbId, station: StationDep, actor: ActorDep) -> PreprintView:
    """Given to the visitor at the counter: the handover closes (outcome preprint_printed) and is purged."""
    return station.followup.preprint_given(handover_id, actor)


@router.get(API + "/held", response_model=list[HeldView])
def held(station: StationDep) -> list[HeldView]:
    """D-OTH-4: handover ids the 業務管理者 has not passed on to city staff yet."""
    return station.followup.held_for_manager()


@router.post(API + "/handovers/{handover_id}/forward", response_model=list[HeldView])
def forward(handover_id: DbId, station: StationDep, actor: ActorDep) -> list[HeldView]:
    """The 業務管理者 reported it to city staff and hands it over (D-OTH-4); answers what is still held."""
    return station.followup.forward(handover_id, actor)
