"""The resident's pages (issue 15): book, manage, what to bring, and the public congestion page (混雑状況).

Phone-first, Japanese first, large type. Server-rendered shells; small scripts (reserve.js, congestion.js)
call the JSON API in web/routers/reservations.py. The words come from station/messages/*/reservations.json.
"""

from __future__ import annotations

import io

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from station.domain import reservation as rules
from station.messages import table, text
from web import i18n
from web.deps import StationDep
from web.routers.pages import render, templates

router = APIRouter(include_in_schema=False)
# Catalog words in any page (`{{ msg('reservations.page.mail_me', lang) }}`): the ticket status page's "mail me".
templates.env.globals.setdefault("msg", lambda code, lang="ja", **params: text(code, lang, **params))
templates.env.globals.setdefault("msg_table", table)  # {{ msg_table(lang, 'reservations.kiosk.') | tojson }}


def _words(request: Request) -> dict[str, str]:
    return table(i18n.lang_of(request), "reservations.")


def _page(request: Request, station: StationDep, name: str, mode: str) -> HTMLResponse:
    response = render(request, station, name, w=_words(request), mode=mode)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.get("/reserve", response_class=HTMLResponse)
def reserve(request: Request, station: StationDep) -> HTMLResponse:
    return _page(request, station, "reserve.html", "book")


@router.get("/reserve/manage", response_class=HTMLResponse)
def reserve_manage(request: Request, station: StationDep) -> HTMLResponse:
    return _page(request, station, "reserve.html", "manage")


@router.get("/reserve/checklist", response_class=HTMLResponse)
def reserve_checklist(request: Request, station: StationDep) -> HTMLResponse:
    return _page(request, station, "reserve.html", "checklist")


@router.get("/reserve/qr/{code}.png")
def reserve_qr(station: StationDep, code: str = Path(min_length=8, max_length=20)) -> Response:
    """The booking's QR for the confirmation page (it encodes only the code the page already shows)."""
    norm = rules.normalize_code(code)
    if norm is None:
        return Response(status_code=404)
    import qrcode

    buf = io.BytesIO()
    qrcode.make(rules.qr_text(norm), box_size=8, border=2).save(buf, format="PNG")
    return Response(buf.getvalue(), media_type="image/png", headers={"Cache-Control": "no-store"})


@router.get("/reservations", response_class=HTMLResponse)
def reservations_board(request: Request, station: StationDep) -> HTMLResponse:
    """Staff: the day's bookings per slot, closing a slot, booking for a resident by phone or at the counter."""
    from station.domain.calendar import business_date

    return render(request, station, "reservations_board.html", day=business_date(station.clock.now()).isoformat())


@router.get("/public", response_class=HTMLResponse)
def congestion(request: Request, station: StationDep) -> HTMLResponse:
    view, _etag = station.reservations.congestion.status()
    return render(request, station, "congestion.html", w=_words(request), status=view.model_dump(mode="json"))
