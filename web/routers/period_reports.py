"""The period report (issue 17) for the supervisor (業務管理者): any day, week, month, contract year or range,
as JSON, CSV (UTF-8 with BOM), an Excel workbook, an A4 PDF and the /reports/period page. Thin: the
numbers come from station.services.period_reports, the layouts from station.services.report_formats.
Every route needs the REPORTS permission (supervisor only), which is what the per-clerk figures require."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from station.domain.calendar import business_date
from station.domain.period import Period, PeriodKind
from station.services.period_views import PeriodReport
from station.services.staffing import StaffingView
from web.deps import StationDep
from web.schemas import ErrorOut

router = APIRouter(tags=["reports"])
ERRORS: dict[int | str, dict[str, Any]] = {422: {"model": ErrorOut}}
MEDIA = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}

KindQ = Query(PeriodKind.MONTH, description="day, week (Mon–Sun), month, contract (April–March) or range")
DateQ = Query(None, alias="date", description="a day inside the period; for a range, its first day")
ToQ = Query(None, alias="to", description="the last day of a range (inclusive)")


def _period(station: Any, kind: PeriodKind, day: date | None, to: date | None) -> Period:
    return station.period_reports.period(kind, day or business_date(station.clock.now()), to)


@router.get("/api/reports/period", response_model=PeriodReport, responses=ERRORS)
def period_report(station: StationDep, kind: PeriodKind = KindQ, day: date | None = DateQ,
                  to: date | None = ToQ) -> PeriodReport:
    """Totals and per-day rows of every daily count, times per category and hour, per counter and per clerk
    (per-clerk figures: supervisor only)."""
    return station.period_reports.report(_period(station, kind, day, to))


@router.get("/api/reports/period.{fmt}", response_class=Response, responses={
    **ERRORS, 200: {"content": {m: {} for m in MEDIA.values()}, "description": "csv, xlsx or pdf"}})
def period_file(fmt: str, station: StationDep, kind: PeriodKind = KindQ, day: date | None = DateQ,
                to: date | None = ToQ,
                clerks: bool = Query(True, description="false: without the per-clerk section (the city's copy)"),
                ) -> Response:
    """The same report as a file: `csv` (UTF-8 with BOM), `xlsx` (a sheet per section) or `pdf` (A4)."""
    if fmt not in MEDIA:
        return Response(status_code=404)
    p = _period(station, kind, day, to)
    body = station.period_reports.export(p, fmt, with_clerks=clerks)
    name = f"period-report-{p.start.isoformat()}_{p.end.isoformat()}.{fmt}"
    return Response(body, media_type=MEDIA[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/reports/period", response_class=HTMLResponse, include_in_schema=False)
def period_page(request: Request, station: StationDep, kind: PeriodKind = KindQ, day: date | None = DateQ,
                to: date | None = ToQ) -> HTMLResponse:
    """The period selector, the charts (the PDF's own SVG) and the tables."""
    from web.routers.pages import render

    p = _period(station, kind, day, to)
    r, charts, tables = station.period_reports.page_parts(p)
    query = f"kind={p.kind.value}&date={(day or p.start).isoformat()}" + (f"&to={to.isoformat()}" if to else "")
    return render(request, station, "period_report.html", r=r, charts=charts, tables=tables, query=query,
                  kinds=[k.value for k in PeriodKind], kind=p.kind.value, day=(day or p.start).isoformat(),
                  to=to.isoformat() if to else "")


@router.get("/api/reports/staffing", response_model=StaffingView)
def staffing(station: StationDep, day: date | None = DateQ,
             counters: int | None = Query(None, ge=1, le=30, description="counters to simulate (default: configured)"),
             p90: float | None = Query(None, gt=0, le=240, description="target p90 wait: find the fewest counters"),
             seed: int = Query(0, ge=0, le=2**31 - 1)) -> StaffingView:
    """Replay a recorded day against other staffing: predicted waits per hour next to what happened."""
    return station.staffing.what_if(day or business_date(station.clock.now()), counters, p90, seed)


@router.get("/reports/staffing", response_class=HTMLResponse, include_in_schema=False)
def staffing_page(request: Request, station: StationDep, day: date | None = DateQ,
                  counters: int | None = Query(None, ge=1, le=30), p90: float | None = Query(None, gt=0, le=240),
                  seed: int = Query(0, ge=0, le=2**31 - 1)) -> HTMLResponse:
    """The what-if screen: a day, a number of counters, a p90 target; the chart and the table per hour."""
    from web.routers.pages import render

    v = station.staffing.what_if(day or business_date(station.clock.now()), counters, p90, seed)
    return render(request, station, "staffing.html", v=v, chart=station.staffing.chart(v),
                  rows=station.staffing.rows(v))
