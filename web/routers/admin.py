"""Live configuration from the admin screen: calendar days, what each counter serves, category cut-offs.

Thin: validation and storage are in station.services.admin; this maps them to JSON."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field

from station.domain.calendar import business_date, hours_on
from station.services.admin import DAY_KIND_JA, CalendarDay
from web.deps import ActorDep, StationDep
from web.routers.tickets import ERRORS

router = APIRouter(prefix="/api/admin", tags=["admin"])


class CalendarDayIn(BaseModel):
    kind: str = Field(description="closed / holiday_opening / normal")
    note: str = Field("", max_length=200)


class CalendarDayOut(BaseModel):
    date: date
    kind: str
    kind_ja: str
    source: str = Field(description="file (config) or admin (changed on this screen)")
    note: str
    hours: str = Field(description="opening hours that day, or 閉庁")


class CounterCategoriesIn(BaseModel):
    categories: list[str] = Field(min_length=1, max_length=20)


class CounterConfigOut(BaseModel):
    id: int
    name_ja: str
    name_en: str
    categories: list[str]
    file_categories: list[str]


class CategoryIn(BaseModel):
    cutoff_minutes: int | None = Field(None, ge=0, le=240)
    default_service_minutes: float = Field(gt=0, le=120)


class CategoryConfigOut(BaseModel):
    code: str
    prefix: str
    name_ja: str
    name_en: str
    cutoff_minutes: int | None
    effective_cutoff_minutes: int
    default_service_minutes: float
    changed: bool


class AdminConfigOut(BaseModel):
    default_cutoff_minutes: int
    calendar: list[CalendarDayOut]
    counters: list[CounterConfigOut]
    categories: list[CategoryConfigOut]


def _day_out(station: StationDep, d: CalendarDay) -> CalendarDayOut:
    h = hours_on(station.calendar, d.day)
    hours = "閉庁" if h is None else f"{h.opens.strftime('%H:%M')}–{h.closes.strftime('%H:%M')}"
    return CalendarDayOut(date=d.day, kind=d.kind, kind_ja=DAY_KIND_JA[d.kind], source=d.source, note=d.note,
                          hours=hours)


def _config_out(station: StationDep) -> AdminConfigOut:
    s = station.settings
    files = station.admin.file
    return AdminConfigOut(
        default_cutoff_minutes=s.calendar.default_cutoff_minutes,
        calendar=[_day_out(station, d) for d in station.admin.calendar_days(since=business_date(station.clock.now()))],
        counters=[CounterConfigOut(id=c.id, name_ja=c.name_ja, name_en=c.name_en, categories=c.categories,
                                   file_categories=files.counters[c.id]) for c in s.counters],
        categories=[CategoryConfigOut(
            code=c.code, prefix=c.prefix, name_ja=c.name_ja, name_en=c.name_en, cutoff_minutes=c.cutoff_minutes,
            effective_cutoff_minutes=station.queue.cutoff_minutes(c),
            default_service_minutes=c.default_service_minutes,
            changed=(c.cutoff_minutes, c.default_service_minutes) != files.categories[c.code],
        ) for c in s.categories],
    )


@router.get("/config", response_model=AdminConfigOut)
def get_config(station: StationDep) -> AdminConfigOut:
    """What the admin screen can change, with what the config file says beside it (dates from today on)."""
    return _config_out(station)


@router.put("/calendar/{day}", response_model=CalendarDayOut, responses=ERRORS)
def set_calendar_day(day: date, body: CalendarDayIn, station: StationDep, actor: ActorDep) -> CalendarDayOut:
    """Close a date, open a weekend/holiday morning, or make a listed date a normal day again."""
    return _day_out(station, station.admin.set_day(day, body.kind, body.note, actor))


@router.delete("/calendar/{day}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS)
def clear_calendar_day(day: date, station: StationDep, actor: ActorDep) -> Response:
    """Undo this screen's change to a date: the calendar file applies again."""
    station.admin.clear_day(day, actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/counters/{counter_id}", response_model=AdminConfigOut, responses=ERRORS)
def set_counter_categories(counter_id: int, body: CounterCategoriesIn, station: StationDep,
                           actor: ActorDep) -> AdminConfigOut:
    """Which categories the counter calls from (takes effect at its next call)."""
    station.admin.set_counter_categories(counter_id, body.categories, actor)
    return _config_out(station)


@router.put("/categories/{code}", response_model=AdminConfigOut, responses=ERRORS)
def set_category(code: str, body: CategoryIn, station: StationDep, actor: ActorDep) -> AdminConfigOut:
    """A category's dispenser cut-off and the service time used for waiting estimates."""
    station.admin.set_category(code, body.cutoff_minutes, body.default_service_minutes, actor)
    return _config_out(station)
