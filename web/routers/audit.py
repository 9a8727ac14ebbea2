"""The audit log for supervisors and administrators: GET /api/audit and the /audit page.

Entries hold ids, numbers, user names and client addresses only: never personal data (the services
write them that way; see station/services/audit.py).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from station.services.auth import AuditView
from web import i18n, security
from web.deps import StationDep
from web.schemas import ErrorOut

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
templates = Jinja2Templates(directory=TEMPLATES_DIR)
security.install_templates(templates)

router = APIRouter(tags=["audit"])

STRINGS: dict[str, tuple[str, str]] = {
    "audit_title": ("操作記録", "Audit log"),
    "audit_day": ("日付", "Date"),
    "audit_actor": ("操作者", "Actor"),
    "audit_action": ("操作", "Action"),
    "audit_target": ("対象", "Target"),
    "audit_detail": ("詳細", "Detail"),
    "audit_client": ("端末", "Client"),
    "audit_time": ("時刻", "Time"),
    "audit_filter": ("絞り込む", "Filter"),
    "audit_empty": ("記録はありません", "No entries"),
}


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
    i = 1 if lang == "en" else 0
    t = {**i18n.table(lang), **{k: v[i] for k, v in STRINGS.items()}}
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
