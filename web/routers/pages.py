"""The screens: server-rendered shells that small scripts in web/static keep live over SSE.

Routes stay thin: they pick the language, read what the first paint needs from the station's
services, and render. Everything that changes afterwards comes from the JSON API and /api/events.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse

from station.services.errors import NotFound
from web import i18n
from web.deps import CounterNo, StationDep
from web.templates import templates

router = APIRouter(include_in_schema=False)


def render(request: Request, station: Any, name: str, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    """Render a page with the language table, the office name and the simulated-clock flag."""
    lang = i18n.lang_of(request)
    t = i18n.table(lang)
    base = {
        # The screen's live stream starts right after this point: nothing between render and connect is lost.
        "event_seq": station.bus.last_seq,
        "lang": lang,
        "other_lang": i18n.other(lang),
        "t": t,
        "office_name": station.settings.office.name if lang == "ja" else station.settings.office.name_en,
        "clock_simulated": bool(station.clock.simulated),
        "simulated": bool(station.simulated),
        "path": request.url.path,
    }
    response = templates.TemplateResponse(request, name, {**base, **ctx}, status_code=status_code)
    i18n.remember(request, response)
    return response


def not_found(request: Request, station: Any, title_key: str, hint_key: str | None = None) -> HTMLResponse:
    return render(request, station, "not_found.html", status_code=404, title_key=title_key, hint_key=hint_key)


def categories_public(station: Any) -> list[dict[str, Any]]:
    return [s.model_dump() for s in station.queue.categories_status()]


def counters_public(station: Any) -> list[dict[str, Any]]:
    return [{"id": c.id, "name_ja": c.name_ja, "name_en": c.name_en, "categories": c.categories}
            for c in station.settings.counters]


@router.get("/", response_class=HTMLResponse)
def index(request: Request, station: StationDep) -> HTMLResponse:
    return render(request, station, "index.html", counters=counters_public(station))


@router.get("/counter/{counter_id}", response_class=HTMLResponse)
def counter_panel(counter_id: CounterNo, request: Request, station: StationDep) -> HTMLResponse:
    counter = station.settings.counter(counter_id)
    if counter is None:
        return not_found(request, station, "not_found_title")
    return render(request, station, "counter.html", counter=counter, counters=counters_public(station),
                  categories=categories_public(station))


@router.get("/kiosk", response_class=HTMLResponse)
def kiosk(request: Request, station: StationDep) -> HTMLResponse:
    return render(request, station, "kiosk.html", categories=categories_public(station))


@router.get("/display", response_class=HTMLResponse)
def display(request: Request, station: StationDep) -> HTMLResponse:
    return render(request, station, "display.html", categories=categories_public(station),
                  counters=counters_public(station))


def _status_data(station: Any, token: str) -> dict[str, Any]:
    """What the visitor's phone may know: the number and the queue, nothing personal, no ids."""
    return station.queue.visitor_status(token).model_dump()


@router.get("/t/{token}", response_class=HTMLResponse)
def ticket_status(token: str, request: Request, station: StationDep) -> HTMLResponse:
    try:
        data = _status_data(station, token)
    except NotFound:
        return not_found(request, station, "status_not_found", "status_not_found_hint")
    return render(request, station, "status.html", ticket=data, token=token)


@router.get("/t/{token}/data")
def ticket_status_data(token: str, station: StationDep) -> JSONResponse:
    """The status page polls this (and refetches on SSE events); no-store so phones never show stale data."""
    try:
        data = _status_data(station, token)
    except NotFound as e:
        return JSONResponse({"detail": {"message_ja": e.message_ja, "message_en": e.message_en}}, status_code=404)
    return JSONResponse(data, headers={"Cache-Control": "no-store"})


@router.get("/admin", response_class=HTMLResponse)
def admin(request: Request, station: StationDep) -> HTMLResponse:
    s = station.settings
    return render(
        request, station, "admin.html", settings=s, counters=counters_public(station),
        categories=categories_public(station),
        device_settings={
            "printer": s.devices.printer.connection, "card_reader": s.devices.card_reader.connection,
            "scanner": s.devices.scanner.connection, "button": s.devices.button.connection,
        },
    )


def _require_sim(station: Any) -> None:
    if not station.simulated:
        raise HTTPException(404)


@router.get("/sim", response_class=HTMLResponse)
def sim(request: Request, station: StationDep) -> HTMLResponse:
    if not station.simulated:
        return not_found(request, station, "not_found_title")
    return render(request, station, "sim.html", categories=categories_public(station),
                  counters=counters_public(station))


@router.get("/sim/tickets")
def sim_tickets(station: StationDep) -> JSONResponse:
    """Simulator only: today's tickets with their status-page path and barcode text, for the newcomer."""
    _require_sim(station)
    from station.domain.barcodes import make_ticket_code

    rows = [{"id": v.id, "number": v.number, "state": v.state, "category_name_ja": v.category_name_ja,
             "category_name_en": v.category_name_en, "status_path": f"/t/{v.token}", "code": make_ticket_code(v.id)}
            for v in station.queue.list()]
    return JSONResponse(rows[-50:][::-1], headers={"Cache-Control": "no-store"})
