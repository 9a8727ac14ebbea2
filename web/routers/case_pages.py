"""The case screen inside the clerk's counter (/counter/{id}/case/{case_id}) and the city-staff handover
queue (/staff). Shells rendered with the screens' templates; web/static/js/case.js and staff.js keep them
live from /api/cases, /api/handovers and /api/events."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from web.deps import CounterNo, DbId, StationDep
from web.routers.pages import counters_public, not_found, render

router = APIRouter(include_in_schema=False)


@router.get("/counter/{counter_id}/case")
def open_case_page(counter_id: CounterNo, request: Request, station: StationDep) -> Response:
    """The case of this counter's called visitor (Alt+C): that ticket's open case, or a new one for it — never
    another visitor's case (issue 12). With nobody called: this counter's unfinished case, or a new walk-up case
    (a new one whenever a procedure is asked for). A GET never writes (issue 13): opening, and starting the
    visitor's service with it, is the POST /api/cases that the small page's script sends."""
    counter = station.settings.counter(counter_id)
    if counter is None:
        return not_found(request, station, "not_found_title")
    lang = request.query_params.get("lang")  # an explicit ?lang= survives the hop (the cookie is set on arrival)
    keep = f"?lang={lang}" if lang in ("ja", "en") else ""
    ticket = station.queue.current_ticket(counter_id)
    procedure = (request.query_params.get("procedure") or "")[:32] or None
    if ticket is not None:  # the called visitor's own open case, never another one's
        case_id = station.cases.open_case_of_ticket(ticket.id, procedure)
        if case_id is not None:
            return RedirectResponse(f"/counter/{counter_id}/case/{case_id}{keep}", status_code=303)
    elif procedure is None:
        view = station.cases.active_for_counter(counter_id)
        if view is not None:
            return RedirectResponse(f"/counter/{counter_id}/case/{view.id}{keep}", status_code=303)
    return render(request, station, "case_open.html", counter=counter, ticket_id=ticket.id if ticket else None,
                  procedure=procedure, keep=keep)


@router.get("/counter/{counter_id}/case/{case_id}", response_class=HTMLResponse)
def case_page(counter_id: CounterNo, case_id: DbId, request: Request, station: StationDep) -> HTMLResponse:
    counter = station.settings.counter(counter_id)
    if counter is None or not station.cases.exists(case_id):  # the shell only; case.js fetches the case
        return not_found(request, station, "not_found_title")
    cat = station.cases.catalog
    return render(request, station, "case.html", counter=counter, case_id=case_id,
                  catalog=cat.model_dump(), counters=counters_public(station))


@router.get("/staff", response_class=HTMLResponse)
def staff_page(request: Request, station: StationDep) -> HTMLResponse:
    return render(request, station, "staff.html")
