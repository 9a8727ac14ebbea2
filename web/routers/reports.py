"""Daily counts and reports (D-ALL-1), the end-of-day handover (D-BO-6) and purge (D-ALL-2), for the
supervisor (業務管理者). Thin: rules in station.services.reports and station.services.endofday. Nothing
here carries personal data: counts, ticket numbers and kinds of papers only."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from station.domain.calendar import business_date
from web.deps import DAY_MAX, DAY_MIN, ActorDep, DayQuery, StationDep
from web.schemas import ErrorOut

router = APIRouter(tags=["reports"])
ERRORS: dict[int | str, dict[str, Any]] = {409: {"model": ErrorOut}, 422: {"model": ErrorOut}}
WEEKDAYS = "月火水木金土日"


class CloseIn(BaseModel):
    day: date = Field(alias="date", ge=DAY_MIN, le=DAY_MAX,
                      description="the business day whose papers were handed to city staff")


class PurgeIn(BaseModel):
    older_than_days: int | None = Field(None, ge=0, le=3650, description="default: [backoffice] retention_days")
    force: bool = Field(False, description="also days not handed over and cases still open (needs a reason)")
    reason: str | None = Field(None, max_length=200)


def _day(station: Any, day: date | None) -> date:
    return day or business_date(station.clock.now())


def _date_ja(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日（{WEEKDAYS[d.weekday()]}）"


@router.get("/api/reports/daily")
def daily(station: StationDep, day: DayQuery = None) -> dict[str, Any]:
    """Every kind of handling on a day: tickets, waits and service times (median, p90, by category and by
    hour), cases by procedure and outcome, insurance / public-funds, renewal guidance, phone calls per
    category, escalations, collected papers, and whether the day is handed over."""
    return station.reports.daily(_day(station, day))


@router.get("/api/reports/daily.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {}}, "description": "section,key,label,metric,value"}})
def daily_csv(station: StationDep, day: DayQuery = None) -> Response:
    """The same counts as CSV (UTF-8 with BOM so a spreadsheet opens the Japanese labels right)."""
    d = _day(station, day)
    body = "\ufeff" + station.reports.csv_text(d)
    return Response(body.encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="daily-report-{d.isoformat()}.csv"'})


@router.get("/api/end-of-day")
def end_of_day(station: StationDep, day: DayQuery = None) -> dict[str, Any]:
    """What was collected on a day, per case and by kind, and whether the day is handed over (D-BO-6)."""
    return station.end_of_day.checklist(_day(station, day))


@router.post("/api/end-of-day/close", responses=ERRORS)
def close_day(body: CloseIn, station: StationDep, actor: ActorDep) -> dict[str, Any]:
    """The papers were handed to city staff: close the day and purge its personal data (D-ALL-2)."""
    return station.end_of_day.close_day(body.day, actor)


@router.post("/api/purge", responses=ERRORS)
def purge(body: PurgeIn, station: StationDep, actor: ActorDep) -> dict[str, Any]:
    """Purge personal data older than the retention; refuses days not handed over unless forced."""
    return station.end_of_day.purge(actor, body.older_than_days, body.force, body.reason)


# --- pages -------------------------------------------------------------------------------------------------
@router.get("/reports", response_class=HTMLResponse, include_in_schema=False)
def reports_page(request: Request, station: StationDep, day: DayQuery = None) -> HTMLResponse:
    from web.routers.pages import render

    return render(request, station, "reports.html", day=_day(station, day).isoformat())


@router.get("/reports/print", response_class=HTMLResponse, include_in_schema=False)
def report_print(request: Request, station: StationDep, day: DayQuery = None) -> HTMLResponse:
    """The A4 daily report for the city (print stylesheet), rendered on the server."""
    from web.routers.pages import render

    d = _day(station, day)
    return render(request, station, "report_print.html", r=station.reports.daily(d), day_ja=_date_ja(d))


@router.get("/end-of-day", response_class=HTMLResponse, include_in_schema=False)
def end_of_day_page(request: Request, station: StationDep,
                    day: DayQuery = None) -> HTMLResponse:
    """The checklist of collected papers, printable, with the supervisor's 'handed over' button."""
    from web.routers.pages import render

    d = _day(station, day)
    return render(request, station, "end_of_day.html", c=station.end_of_day.checklist(d), day=d.isoformat(),
                  day_ja=_date_ja(d))
