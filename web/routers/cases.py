"""Counter cases and the city-staff handover queue. Thin: every rule lives in station.services.cases.

The answers are the service's pydantic views (`CaseView`, `HandoverView`) as they are.
Clerk actions are under /api/cases/{id}/…; city-staff actions are separate endpoints
(/api/cases/{id}/staff-check, /api/handovers/{id}/take, /api/handovers/{id}/close) so the route table
(web/security.py) can give them their own permission.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, Field

from station.domain.calendar import business_date
from station.services.cases import CaseView, HandoverView, presented_from
from web.deps import DAY_MAX, DAY_MIN, ActorDep, DbId, StationDep
from web.paging import PageDep
from web.schemas import ErrorOut
from web.security import ListCounterDep

router = APIRouter(tags=["cases"])
ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut}, 409: {"model": ErrorOut},
                                           422: {"model": ErrorOut}}


# --- request bodies (the answers are the service's own views: CaseView, HandoverView) -------------------
class OpenIn(BaseModel):
    counter_id: int | None = Field(None, ge=1, le=999,
                                   description="the counter (null: a walk-up handled away from a counter)")
    ticket_id: int | None = Field(None, ge=1, le=2**31 - 1)
    procedure: str | None = Field(None, description="catalog code; default: by the ticket's category")


class ProcedureIn(BaseModel):
    procedure: str = Field(min_length=1, max_length=32)


class NoticeIn(BaseModel):
    text: str = Field(min_length=1, max_length=64, description="the notice number as scanned or typed")


class PresentedIn(BaseModel):
    """What the clerk ticked (D-DOC-1..5, D-DOC-8)."""

    documents: list[str] = Field(default_factory=list, description="notice, notification_card, loss_report, "
                                 "number_notice, juki_card, current_card, proxy_proof, delegation")
    holder_ids: list[str] = Field(default_factory=list, description="id kinds (originals) of the holder")
    who: Literal["holder", "proxy"] = "holder"
    proxy_reason: str | None = None
    proxy_ids: list[str] = Field(default_factory=list)
    guardian_present: bool = False
    guardian_ids: list[str] = Field(default_factory=list)
    copies: list[str] = Field(default_factory=list, description="items shown only as a photocopy")


class JukiIn(BaseModel):
    holds: bool = Field(description="the resident record shows a 住基カード (collected and cancelled)")


class TapIn(BaseModel):
    role: Literal["new", "old"] = "new"


class ConsentsIn(BaseModel):
    applications: list[Literal["insurance", "public_funds"]] = Field(min_length=1)
    consents: list[Literal["insurance_irrevocable", "public_funds_own_name"]] = Field(default_factory=list)


class AppliedIn(BaseModel):
    applications: list[Literal["insurance", "public_funds"]] | None = None


class CompleteIn(BaseModel):
    outcome: str | None = None
    note: str | None = Field(None, max_length=500)


class HandoverIn(BaseModel):
    reason: str = Field(min_length=1, max_length=32)
    note: str | None = Field(None, max_length=500, description="what the visitor said (personal; purged on close)")


class PrintOut(BaseModel):
    kind: str
    printed: bool
    error: str | None


class SlipOut(BaseModel):
    kind: str
    text: str


class PurgeIn(BaseModel):
    day: date = Field(ge=DAY_MIN, le=DAY_MAX)


# --- catalog, lists, counts ------------------------------------------------------------------------------
@router.get("/api/cases/catalog")
def catalog(station: StationDep) -> dict[str, Any]:
    """Procedures, steps, documents, ID kinds, proxy reasons and handover reasons (config/procedures.toml)."""
    return station.cases.catalog.model_dump()


@router.get("/api/cases/counts")
def counts(station: StationDep, day: date | None = Query(None, ge=DAY_MIN, le=DAY_MAX)) -> dict[str, Any]:
    """Per-day counts of every kind of handling (D-ALL-1), for the reports."""
    return station.cases.counts_for(day or business_date(station.clock.now()))


@router.get("/api/cases/collected")
def collected(station: StationDep, day: date | None = Query(None, ge=DAY_MIN, le=DAY_MAX)) -> list[dict[str, Any]]:
    """What was collected per case on a day, for the end-of-day handover to city staff (D-BO-6)."""
    return station.cases.collected_for(day or business_date(station.clock.now()))


@router.get("/api/cases/awaiting-staff-check", response_model=list[CaseView])
def awaiting_staff_check(station: StationDep) -> list[CaseView]:
    """Issuance cases whose set of card and documents waits for a city-staff check (D-ISS-2)."""
    return station.cases.awaiting_staff_check()


@router.post("/api/cases/purge-day")
def purge_day(body: PurgeIn, station: StationDep, actor: ActorDep) -> dict[str, int]:
    """Delete the personal data of every closed case of a day (after the D-BO-6 handover)."""
    return {"purged": station.cases.purge_day(body.day, actor)}


@router.get("/api/cases", response_model=list[CaseView], responses=ERRORS)
def list_cases(station: StationDep, limited_to: ListCounterDep, page: PageDep, request: Request,
               response: Response, day: date | None = Query(None, ge=DAY_MIN, le=DAY_MAX),
               counter_id: int | None = Query(None, ge=1, le=999)) -> list[CaseView]:
    """A day's cases: a clerk's own counter's only (web/security.py list scope); personal fields blanked
    for a reader without the personal-data permission (the view does that)."""
    counter = limited_to if limited_to is not None else counter_id
    return page.fetch(lambda o, n: station.cases.list(day, counter, n, o), request, response)


@router.post("/api/cases", status_code=status.HTTP_201_CREATED, response_model=CaseView, responses=ERRORS)
def open_case(body: OpenIn, station: StationDep, actor: ActorDep) -> CaseView:
    """Open a case for a called ticket (its open case is returned if it has one), or a walk-up case."""
    return station.cases.open(body.counter_id, actor, body.procedure, body.ticket_id)


# --- one case --------------------------------------------------------------------------------------------
@router.get("/api/cases/{case_id}", response_model=CaseView, responses=ERRORS)
def get_case(case_id: DbId, station: StationDep) -> CaseView:
    return station.cases.get(case_id)


@router.post("/api/cases/{case_id}/procedure", response_model=CaseView, responses=ERRORS)
def change_procedure(case_id: DbId, body: ProcedureIn, station: StationDep, actor: ActorDep) -> CaseView:
    """Another procedure for this visitor, while no step is done."""
    return station.cases.change_procedure(case_id, body.procedure, actor)


@router.post("/api/cases/{case_id}/notice", response_model=CaseView, responses=ERRORS)
def scan_notice(case_id: DbId, body: NoticeIn, station: StationDep, actor: ActorDep) -> CaseView:
    """The issuance notice scanned or typed: the card record and its shelf slot (D-ISS-1)."""
    return station.cases.scan_notice(case_id, body.text, actor)


@router.post("/api/cases/{case_id}/documents", response_model=CaseView, responses=ERRORS)
def documents(case_id: DbId, body: PresentedIn, station: StationDep, actor: ActorDep) -> CaseView:
    """The documents presented → complete (waits for city staff), or returned with the 持ち物案内 slip, or
    handed to city staff when they must decide (D-DOC, D-DOC-8)."""
    return station.cases.present_documents(case_id, presented_from(body.model_dump()), actor)


@router.post("/api/cases/{case_id}/documents/check", responses=ERRORS)
def documents_check(case_id: DbId, body: PresentedIn, station: StationDep) -> dict[str, Any]:
    """What the documents step would decide, nothing written: the panel asks once before a step that ends
    the visit (returned for documents, handed to city staff)."""
    return station.cases.preview_documents(case_id, presented_from(body.model_dump()))


@router.post("/api/cases/{case_id}/documents/all", response_model=CaseView, responses=ERRORS)
def documents_all(case_id: DbId, station: StationDep, actor: ActorDep) -> CaseView:
    """One key: the holder brought everything the record asks for."""
    return station.cases.present_all(case_id, actor)


@router.post("/api/cases/{case_id}/staff-check", response_model=CaseView, responses=ERRORS)
def staff_check(case_id: DbId, station: StationDep, actor: ActorDep) -> CaseView:
    """City staff: the card, ID document, notice and notification card were checked (D-ISS-2)."""
    return station.cases.staff_check(case_id, actor)


@router.post("/api/cases/{case_id}/juki-check", response_model=CaseView, responses=ERRORS)
def juki_check(case_id: DbId, body: JukiIn, station: StationDep, actor: ActorDep) -> CaseView:
    """The resident-record check for a 住基カード (D-ISS-3)."""
    return station.cases.juki_check(case_id, body.holds, actor)


@router.post("/api/cases/{case_id}/card-tap", response_model=CaseView, responses=ERRORS)
def card_tap(case_id: DbId, station: StationDep, actor: ActorDep, body: TapIn | None = None) -> CaseView:
    """Use the card now on this case's counter reader (the server's own read, never the client's word)."""
    return station.cases.card_tap(case_id, actor, (body or TapIn()).role)


@router.post("/api/cases/{case_id}/steps/{step}", response_model=CaseView, responses=ERRORS)
def tick(case_id: DbId, step: str, station: StationDep, actor: ActorDep) -> CaseView:
    """A confirmation step: explained, receipt_copy, pins_known, or a step of a simple procedure."""
    return station.cases.tick(case_id, step, actor)


@router.post("/api/cases/{case_id}/issue", response_model=CaseView, responses=ERRORS)
def issue(case_id: DbId, station: StationDep, actor: ActorDep) -> CaseView:
    """Hand the card over: the stock record becomes issued; collected documents are listed (D-BO-6)."""
    return station.cases.issue(case_id, actor)


@router.post("/api/cases/{case_id}/consents", response_model=CaseView, responses=ERRORS)
def consents(case_id: DbId, body: ConsentsIn, station: StationDep, actor: ActorDep) -> CaseView:
    """The applications and the visitor's consents for them, recorded with time and clerk (D-INS-2)."""
    return station.cases.consents(case_id, list(body.applications), list(body.consents), actor)


@router.post("/api/cases/{case_id}/applied", response_model=CaseView, responses=ERRORS)
def applied(case_id: DbId, station: StationDep, actor: ActorDep, body: AppliedIn | None = None) -> CaseView:
    """Applied on the portal terminal (D-INS-4)."""
    apps = list(body.applications) if body and body.applications is not None else None
    return station.cases.applied(case_id, actor, apps)


@router.post("/api/cases/{case_id}/complete", response_model=CaseView, responses=ERRORS)
def complete(case_id: DbId, station: StationDep, actor: ActorDep, body: CompleteIn | None = None) -> CaseView:
    """Finish a simple procedure with an outcome, or hand a handover procedure to city staff."""
    body = body or CompleteIn()
    return station.cases.complete(case_id, body.outcome, actor, body.note)


@router.post("/api/cases/{case_id}/cancel", response_model=CaseView, responses=ERRORS)
def cancel(case_id: DbId, station: StationDep, actor: ActorDep) -> CaseView:
    return station.cases.cancel(case_id, actor)


@router.post("/api/cases/{case_id}/undo", response_model=CaseView, responses=ERRORS)
def undo(case_id: DbId, station: StationDep, actor: ActorDep) -> CaseView:
    """Take back the last step when that is safe (409 with the reason otherwise)."""
    return station.cases.undo(case_id, actor)


@router.post("/api/cases/{case_id}/handover", response_model=CaseView, responses=ERRORS)
def handover(case_id: DbId, body: HandoverIn, station: StationDep, actor: ActorDep) -> CaseView:
    """Hand the case to city staff from any step, with a catalog reason (D-GUI-2/3, D-OTH-2/4, D-APP-3)."""
    return station.cases.handover(case_id, body.reason, actor, body.note)


@router.post("/api/cases/{case_id}/link", status_code=status.HTTP_201_CREATED, response_model=CaseView,
             responses=ERRORS)
def link(case_id: DbId, body: ProcedureIn, station: StationDep, actor: ActorDep) -> CaseView:
    """Continue with another procedure for the same visitor (insurance after issuance, PIN reset first …)."""
    return station.cases.open_linked(case_id, body.procedure, actor)


@router.get("/api/cases/{case_id}/slips/{kind}", response_model=SlipOut, responses=ERRORS)
def slip(case_id: DbId, kind: Literal["documents", "renewal", "pin_reset"], station: StationDep) -> SlipOut:
    """The text of a slip printed for this case."""
    return SlipOut(kind=kind, text=station.cases.slip_text(case_id, kind))


@router.post("/api/cases/{case_id}/slips/{kind}/reprint", response_model=PrintOut, responses=ERRORS)
def reprint(case_id: DbId, kind: Literal["documents", "renewal", "pin_reset"], station: StationDep,
            actor: ActorDep) -> PrintOut:
    return PrintOut(**station.cases.reprint(case_id, kind, actor))


# --- city staff: the handover queue ------------------------------------------------------------------------
@router.get("/api/handovers", response_model=list[HandoverView], responses=ERRORS)
def list_handovers(
    station: StationDep, state: list[Literal["waiting", "taken", "closed"]] = Query(["waiting", "taken"]),
) -> list[HandoverView]:
    return station.cases.handovers(tuple(state))


@router.get("/api/handovers/{handover_id}", response_model=HandoverView, responses=ERRORS)
def get_handover(handover_id: DbId, station: StationDep) -> HandoverView:
    return station.cases.get_handover(handover_id)


@router.post("/api/handovers/{handover_id}/take", response_model=HandoverView, responses=ERRORS)
def take(handover_id: DbId, station: StationDep, actor: ActorDep) -> HandoverView:
    """City staff take a handed-over case (409 if someone already did)."""
    return station.cases.take(handover_id, actor)


@router.post("/api/handovers/{handover_id}/close", response_model=HandoverView, responses=ERRORS)
def close(handover_id: DbId, station: StationDep, actor: ActorDep) -> HandoverView:
    """City staff finished: the case closes and its personal data is purged (D-ALL-2)."""
    return station.cases.close_handover(handover_id, actor)
