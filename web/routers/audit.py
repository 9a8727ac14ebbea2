"""The audit log for supervisors and administrators: GET /api/audit and the /audit page.

Entries hold ids, numbers, user names and client addresses only: never personal data (the services
write them that way; see station/services/audit.py).
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from station.services.auth import AuditView
from web import i18n
from web.deps import StationDep
from web.schemas import ErrorOut
from web.templates import templates

router = APIRouter(tags=["audit"])



@router.get("/api/audit", response_model=list[AuditView],
            responses={401: {"model": ErrorOut}, 403: {"model": ErrorOut}, 422: {"model": ErrorOut}})
def audit_log(
    station: StationDep,
    day: date | None = Query(None, ge=date(2000, 1, 1), le=date(2999, 12, 31),
                             description="business day in Tokyo (default today)"),
    actor: str | None = Query(None, max_length=64, description="exact actor name"),
    action: str | None = Query(None, max_length=64, description="action prefix, e.g. `auth.` or `ticket.call`"),
    limit: int = Query(200, ge=1, le=1000),
) -> list[AuditView]:
    """Who did what, when, from where: one day, newest first."""
    return station.auth.audit_entries(day, actor, action, limit)


@router.get("/audit", response_class=HTMLResponse, include_in_schema=False)
def audit_page(request: Request, station: StationDep) -> HTMLResponse:
    lang = i18n.lang_of(request)
    t = i18n.table(lang)
    ctx = {
        "lang": lang, "other_lang": i18n.other(lang), "t": t,
        "office_name": station.settings.office.name if lang == "ja" else station.settings.office.name_en,
        "clock_simulated": bool(station.clock.simulated), "simulated": bool(station.simulated),
        "path": request.url.path, "heading": t["audit_title"],
        "today": station.clock.now().date().isoformat(),
    }
    response = templates.TemplateResponse(request, "audit.html", ctx)
    i18n.remember(request, response)
    return response
