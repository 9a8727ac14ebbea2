"""Reservations, check-in and the public congestion page (issue 15). Thin: rules live in the services.

Public endpoints (the resident's phone, the kiosk, the congestion page) are rate-limited per client and
take bounded input; answers carry nothing personal beyond what the resident typed. Staff endpoints
(phone desk and counter bookings, the day's board, closing a slot) are in web/security.py's table.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from fastapi import Path as PathParam
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from station.messages import both
from station.services.reservation_views import (
    BookableDayView,
    BookingView,
    CategoryChoiceView,
    CheckInView,
    DayBoardView,
    DaySlotsView,
    IdentityView,
    MailView,
    PublicStatusView,
    SlotClosedView,
    WatchView,
)
from web.deps import ActorDep, StationDep
from web.ratelimit import SlidingWindow, ticket_rate_limit
from web.schemas import ErrorOut

router = APIRouter(tags=["reservations"])
ERRORS = {404: {"model": ErrorOut}, 409: {"model": ErrorOut}, 422: {"model": ErrorOut},
          429: {"model": ErrorOut}}

Category = Field(min_length=1, max_length=8)
Slot = Field(pattern=r"^[0-2][0-9]:[0-5][0-9]$", description="HH:MM")
Code = Field(min_length=8, max_length=20, description="booking code, e.g. RSV-ACDE3479")


class IdentifyIn(BaseModel):
    notice: str = Field(min_length=9, max_length=20, description="notice number, e.g. AB1-234567")
    birth_date: date
    day: date | None = None


class BookIn(BaseModel):
    category: str = Category
    day: date
    slot: str = Slot
    birth_date: date
    notice: str | None = Field(None, max_length=20)
    email: str | None = Field(None, max_length=254)
    checklist_seen: bool = False


class StaffBookIn(BookIn):
    source: Literal["phone", "counter"] = "phone"


class CodeIn(BaseModel):
    code: str = Code
    birth_date: date


class ChangeIn(CodeIn):
    day: date
    slot: str = Slot


class CheckInIn(BaseModel):
    code: str = Field(min_length=8, max_length=40, description="booking QR / code, or the notice's QR / number")


class CloseSlotIn(BaseModel):
    day: date
    category: str = Category
    slot: str = Slot
    reason: str = Field("", max_length=200)


class WatchIn(BaseModel):
    email: str = Field(min_length=3, max_length=254)
    ahead: int | None = Field(None, ge=1, le=50)


def _client(request: Request) -> str:
    return request.client.host if request.client else ""


def public_rate_limit(request: Request) -> None:
    """Per client and minute on the booking page's calls; staff (logged in) are not limited."""
    station = request.app.state.station
    if getattr(request.state, "user", None) is not None:
        return
    window = getattr(request.app.state, "reservation_rate_window", None)
    if window is None:
        window = request.app.state.reservation_rate_window = SlidingWindow()
    retry = window.hit(_client(request), station.settings.reservations.rate_per_minute, station.clock.now())
    if retry is None:
        return
    wait_s = max(1, int(retry + 0.999))
    ja, en = both("reservations.rate_limited", seconds=wait_s)
    raise HTTPException(status_code=429, detail={"message_ja": ja, "message_en": en, "retry_after_s": wait_s},
                        headers={"Retry-After": str(wait_s)})


LIMITED = [Depends(public_rate_limit)]


# --- the resident's booking page ------------------------------------------------------------------------
@router.get("/api/reservations/categories", response_model=list[CategoryChoiceView])
def categories(station: StationDep) -> list[CategoryChoiceView]:
    """Procedures that take bookings, and whether a notice number is needed."""
    return station.reservations.booking.categories()


@router.get("/api/reservations/days", response_model=list[BookableDayView], responses=ERRORS)
def days(station: StationDep, category: str = Query(min_length=1, max_length=8)) -> list[BookableDayView]:
    return station.reservations.booking.days(category)


@router.get("/api/reservations/slots", response_model=DaySlotsView, responses=ERRORS)
def slots(station: StationDep, day: date, category: str = Query(min_length=1, max_length=8)) -> DaySlotsView:
    return station.reservations.booking.slots(category, day)


@router.post("/api/reservations/identify", response_model=IdentityView, responses=ERRORS, dependencies=LIMITED)
def identify(body: IdentifyIn, request: Request, station: StationDep) -> IdentityView:
    """Notice number + birth date → this resident's checklist (the "what to bring" page; nothing is booked)."""
    return station.reservations.booking.identify(body.notice, body.birth_date, _client(request), body.day)


@router.post("/api/reservations", status_code=status.HTTP_201_CREATED, response_model=BookingView,
             responses=ERRORS, dependencies=LIMITED)
def book(body: BookIn, request: Request, station: StationDep) -> BookingView:
    """Book a slot; 409 says why not (no card yet, issued, full, outside the window, already booked)."""
    return station.reservations.booking.book(
        body.category, body.day, body.slot, body.birth_date, notice=body.notice, email=body.email, source="web",
        client=_client(request), checklist_seen=body.checklist_seen)


@router.post("/api/reservations/lookup", response_model=BookingView, responses=ERRORS, dependencies=LIMITED)
def lookup(body: CodeIn, request: Request, station: StationDep) -> BookingView:
    return station.reservations.booking.find(body.code, body.birth_date, _client(request))


@router.post("/api/reservations/cancel", response_model=BookingView, responses=ERRORS, dependencies=LIMITED)
def cancel(body: CodeIn, request: Request, station: StationDep) -> BookingView:
    return station.reservations.booking.cancel(body.code, body.birth_date, _client(request))


@router.post("/api/reservations/change", response_model=BookingView, responses=ERRORS, dependencies=LIMITED)
def change(body: ChangeIn, request: Request, station: StationDep) -> BookingView:
    return station.reservations.booking.change(body.code, body.birth_date, body.day, body.slot, _client(request))


# --- the kiosk and the counter ------------------------------------------------------------------------------
@router.post("/api/reservations/check-in", response_model=CheckInView, responses=ERRORS,
             dependencies=[Depends(ticket_rate_limit)])
def check_in(body: CheckInIn, station: StationDep, actor: ActorDep) -> CheckInView:
    """A booking's QR (or the notice's) at the kiosk: a priority ticket on time, a normal one when late."""
    return station.reservations.checkin.check_in(body.code, source="kiosk", actor=actor)


# --- staff: phone desk and counter bookings, the day, slots ------------------------------------------------
@router.post("/api/reservations/staff", status_code=status.HTTP_201_CREATED, response_model=BookingView,
             responses=ERRORS)
def staff_book(body: StaffBookIn, station: StationDep, actor: ActorDep) -> BookingView:
    """A booking taken by the phone desk (③) or at the counter: the same rules, counted by source."""
    return station.reservations.booking.book(
        body.category, body.day, body.slot, body.birth_date, notice=body.notice, email=body.email,
        source=body.source, actor=actor, client=f"staff:{actor.name}", checklist_seen=body.checklist_seen)


@router.get("/api/reservations/board", response_model=DayBoardView, responses=ERRORS)
def board(station: StationDep, day: date | None = None) -> DayBoardView:
    return station.reservations.day.board(day)


@router.post("/api/reservations/slots/close", response_model=SlotClosedView, responses=ERRORS)
def close_slot(body: CloseSlotIn, station: StationDep, actor: ActorDep) -> SlotClosedView:
    """Close a slot (an outage): its bookings end, residents with a mail address get one."""
    return station.reservations.day.close_slot(body.day, body.category, body.slot, body.reason, actor)


@router.post("/api/reservations/slots/reopen", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS)
def reopen_slot(body: CloseSlotIn, station: StationDep, actor: ActorDep) -> Response:
    station.reservations.day.reopen_slot(body.day, body.category, body.slot, actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/api/reservations/sweep", response_model=dict[str, int])
def sweep(station: StationDep) -> dict[str, int]:
    """Run the day's round now (no-shows, reminders, purge, turn-near mail) instead of waiting for it."""
    out = station.reservations.day.sweep()
    out["mailed"] = station.reservations.mail.send_due()
    return out


@router.get("/api/reservations/outbox", response_model=list[MailView])
def outbox(station: StationDep) -> list[MailView]:
    return station.reservations.day.outbox()


class PriorityOut(BaseModel):
    ticket_ids: list[int]
    numbers: list[str]


@router.get("/api/reservations/priority", response_model=PriorityOut)
def priority(station: StationDep) -> PriorityOut:
    """Today's priority tickets (numbers only): the display shows 予約 beside them."""
    ids, numbers = station.reservations.checkin.priority_tickets()
    return PriorityOut(ticket_ids=ids, numbers=numbers)


# --- public: congestion, and "mail me" on the ticket status page ---------------------------------------------
@router.get("/api/public/status", response_model=PublicStatusView)
async def public_status(request: Request, response: Response, station: StationDep) -> PublicStatusView | Response:
    """Counts per category, the number being called, estimates, hours, the typical wait by hour. Cacheable.

    Async on purpose: a fresh shared answer is served from memory on the event loop; only a stale one
    costs a worker thread (and one computation, whoever asks)."""
    congestion = station.reservations.congestion
    hit = congestion.cached()
    view, etag = hit if hit is not None else await run_in_threadpool(congestion.status)
    headers = {"ETag": etag, "Cache-Control": "public, max-age=5"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return view


@router.post("/t/{token}/watch", response_model=WatchView, responses=ERRORS, dependencies=LIMITED)
def watch(body: WatchIn, station: StationDep, token: str = PathParam(max_length=64)) -> WatchView:
    return station.reservations.congestion.watch(token, body.email, body.ahead)
