"""Printable A4 sheets of the back office (D-BO-3, D-BO-5). Thin: the sheet comes from the stock service
(`station.stock.sheet`), this router only lays it out with web/templates/stock_print.html."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from station.messages import text
from web import i18n
from web.deps import StationDep
from web.templates import templates

router = APIRouter(tags=["stock"])


@router.get("/stock/print/{sheet}", response_class=HTMLResponse, include_in_schema=False)
def print_sheet(sheet: str, request: Request, station: StationDep,
                day: date | None = Query(None, alias="date")) -> HTMLResponse:
    """mailing, notices, overdue, stale, shelf, issued (lists) or pin_guide, checksheet (forms), on A4."""
    lang = i18n.lang_of(request)
    sh = station.stock.sheet(sheet, day, lang)
    ctx = {
        "lang": lang, "other_lang": i18n.other(lang), "t": i18n.table(lang), "s": sh,
        "office_name": station.settings.office.name if lang == "ja" else station.settings.office.name_en,
        "words": {k: text(f"stock.print.{k}", lang) for k in ("print", "back")},
        "total": text("stock.print.total", lang, n=sh.total),
    }
    return templates.TemplateResponse(request, "stock_print.html", ctx)
