"""The phone desk (D-TEL): /phone for the clerk on the line, and /api/phone/… Thin: rules in
station.services.phone. Slip contents and caller details are personal (GET /api/phone/calls needs
PERSONAL_DATA); counts and the D-TEL-4 lookup carry nothing personal."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from station.domain import phone as rules
from station.domain.calendar import business_date
from station.services.phone import DeskView, LookupView, PhoneCallView, categories, escalations
from web.deps import ActorDep, DayQuery, StationDep
from web.schemas import ErrorOut

router = APIRouter(tags=["phone"])
ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut}, 409: {"model": ErrorOut},
                                           422: {"model": ErrorOut}}


class CallIn(BaseModel):
    """One phone reception slip (電話受付票). Only `category` is needed for a trivial question (D-TEL-1)."""

    category: int = Field(ge=1, le=10, description="1..10 = ①..⑩ (key 0 on the page picks ⑩)")
    content: str | None = Field(None, max_length=rules.CONTENT_MAX, description="what the caller asked (personal)")
    response: str | None = Field(None, max_length=rules.RESPONSE_MAX, description="what the clerk answered")
    escalation: str | None = Field(None, description="complaint (D-TEL-2) | preprint (D-TEL-3) | "
                                                     "notice_not_arrived (D-TEL-4): hand to city staff")
    caller_name: str | None = Field(None, max_length=rules.CALLER_NAME_MAX, description="only when escalating")
    caller_phone: str | None = Field(None, max_length=rules.CALLER_PHONE_MAX, description="only when escalating")
    lookup_ref: str | None = Field(None, max_length=32, description="④: notice number or 申請書ID the caller gave")
    application_date: date | None = Field(None, description="④: the date the caller says they applied")


@router.get("/api/phone/categories")
def phone_categories(station: StationDep) -> dict[str, Any]:
    """The categories ①–⑩ (seed 別紙1) with their keys, the escalations, and the D-TEL-4 threshold."""
    return {"categories": categories(), "escalations": escalations(), "stale_days": station.phone.stale_days}


@router.get("/api/phone/desk", response_model=DeskView)
def phone_desk(station: StationDep) -> DeskView:
    """The phone desk's hours now and today's calls against the line's capacity (D-CAL-3)."""
    return station.phone.desk()


@router.get("/api/phone/lookup", response_model=LookupView, responses=ERRORS)
def lookup(station: StationDep, ref: str = Query(..., min_length=1, max_length=32)) -> LookupView:
    """D-TEL-4: the application date behind a notice number or 申請書ID, and whether to hand over."""
    return station.phone.lookup(ref)


@router.post("/api/phone/calls", status_code=status.HTTP_201_CREATED, response_model=PhoneCallView, responses=ERRORS)
def record_call(body: CallIn, station: StationDep, actor: ActorDep) -> PhoneCallView:
    """Save a slip; with `escalation` it goes to the city-staff handover queue in the same transaction."""
    return station.phone.record(
        body.category, actor, content=body.content, response=body.response, escalation=body.escalation,
        caller_name=body.caller_name, caller_phone=body.caller_phone, lookup_ref=body.lookup_ref,
        application_date=body.application_date)


@router.get("/api/phone/calls", response_model=list[PhoneCallView])
def list_calls(station: StationDep, day: DayQuery = None) -> list[PhoneCallView]:
    """A day's slips, newest first (contents and caller details until purged)."""
    return station.phone.list(day)


@router.get("/api/phone/counts")
def counts(station: StationDep, day: DayQuery = None) -> dict[str, Any]:
    """Calls per category ①–⑩, trivial ones and escalations on a day (D-TEL-1)."""
    return station.phone.counts_for(day or business_date(station.clock.now()))


@router.get("/phone", response_class=HTMLResponse, include_in_schema=False)
def phone_page(request: Request, station: StationDep) -> HTMLResponse:
    from web.routers.pages import render

    return render(request, station, "phone.html", categories=categories(), escalations=escalations(),
                  stale_days=station.phone.stale_days)
