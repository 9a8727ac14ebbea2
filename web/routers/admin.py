"""Live configuration from the admin screen: calendar days, what each counter serves, category cut-offs.

Thin: validation and storage are in station.services.admin; this maps them to JSON."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field

from station.services.admin_views import AdminConfigView, CalendarDayView
from web.deps import ActorDep, CounterNo, StationDep
from web.routers.tickets import ERRORS

router = APIRouter(prefix="/api/admin", tags=["admin"])


class CalendarDayIn(BaseModel):
    kind: str = Field(description="closed / holiday_opening / normal")
    note: str = Field("", max_length=200)


class CounterCategoriesIn(BaseModel):
    categories: list[str] = Field(min_length=1, max_length=20)


class CategoryIn(BaseModel):
    cutoff_minutes: int | None = Field(None, ge=0, le=240)
    default_service_minutes: float = Field(gt=0, le=120)


@router.get("/config", response_model=AdminConfigView)
def get_config(station: StationDep) -> AdminConfigView:
    """What the admin screen can change, with what the config file says beside it (dates from today on)."""
    return station.admin.config()


@router.put("/calendar/{day}", response_model=CalendarDayView, responses=ERRORS)
def set_calendar_day(day: date, body: CalendarDayIn, station: StationDep, actor: ActorDep) -> CalendarDayView:
    """Close a date, open a weekend/holiday morning, or make a listed date a normal day again."""
    return station.admin.set_day(day, body.kind, body.note, actor)


@router.delete("/calendar/{day}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS)
def clear_calendar_day(day: date, station: StationDep, actor: ActorDep) -> Response:
    """Undo this screen's change to a date: the calendar file applies again."""
    station.admin.clear_day(day, actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/counters/{counter_id}", response_model=AdminConfigView, responses=ERRORS)
def set_counter_categories(counter_id: CounterNo, body: CounterCategoriesIn, station: StationDep,
                           actor: ActorDep) -> AdminConfigView:
    """Which categories the counter calls from (takes effect at its next call)."""
    station.admin.set_counter_categories(counter_id, body.categories, actor)
    return station.admin.config()


@router.put("/categories/{code}", response_model=AdminConfigView, responses=ERRORS)
def set_category(code: str, body: CategoryIn, station: StationDep, actor: ActorDep) -> AdminConfigView:
    """A category's dispenser cut-off and the service time used for waiting estimates."""
    station.admin.set_category(code, body.cutoff_minutes, body.default_service_minutes, actor)
    return station.admin.config()
