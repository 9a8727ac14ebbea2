"""Logging in and out: the /login page, POST /api/auth/login, /api/auth/logout, GET /api/auth/me.

The login call takes JSON only (a cross-site form cannot send it without a CORS preflight), answers
429 after repeated failures (station.services.auth), and sets the HttpOnly, SameSite=Strict session
cookie. The CSRF token for later state-changing calls comes back in the body and from /api/auth/me.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from station.services.auth import DEMO_USERS, MeView, Principal
from station.services.errors import ServiceError
from web import i18n, security
from web.deps import ActorDep, StationDep
from web.schemas import ErrorOut
from web.templates import templates

router = APIRouter(tags=["auth"])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut}, 403: {"model": ErrorOut}, 404: {"model": ErrorOut}, 415: {"model": ErrorOut},
    422: {"model": ErrorOut}, 429: {"model": ErrorOut},
}



class UnsupportedMediaType(ServiceError):
    status_code = 415


class LoginIn(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    counter_id: int | None = Field(None, ge=1, le=999, description="a clerk without a bound counter picks one")


def me_out(p: Principal) -> MeView:
    return MeView.of(p)


def _safe_next(value: str | None) -> str:
    """Only a path on this station (no //host, no scheme): an open redirect would help phishing."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_page(request: Request, station: StationDep, next: str | None = None) -> HTMLResponse:
    lang = i18n.lang_of(request)
    t = i18n.table(lang)
    user = security.current_user(request)
    ctx = {
        "lang": lang, "other_lang": i18n.other(lang), "t": t,
        "office_name": station.settings.office.name if lang == "ja" else station.settings.office.name_en,
        "clock_simulated": bool(station.clock.simulated), "simulated": bool(station.simulated),
        "path": request.url.path, "heading": t["login_title"], "next": _safe_next(next),
        "counters": station.settings.counters, "user": me_out(user) if user else None,
        "demo_users": [(n, r.value, c, p) for n, r, c, p in DEMO_USERS] if station.simulated else [],
    }
    response = templates.TemplateResponse(request, "login.html", ctx)
    i18n.remember(request, response)
    return response


@router.post("/api/auth/login", response_model=MeView, responses=ERRORS)
def login(body: LoginIn, request: Request, response: Response, station: StationDep) -> MeView:
    """Log in with name and password; sets the session cookie. 401 wrong pair, 429 too many failures."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise UnsupportedMediaType("auth.send_json")
    result = station.auth.login(body.name, body.password, request.client.host if request.client else "",
                                body.counter_id)
    security.set_session_cookie(request, response, result.session_secret,
                                station.settings.security.session_minutes * 60)
    return me_out(result.principal)


@router.post("/api/auth/logout", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS)
def logout(request: Request, station: StationDep, actor: ActorDep) -> Response:
    """End this browser's session (tokens are revoked with `station token revoke`)."""
    secret = request.cookies.get(security.SESSION_COOKIE)
    if secret:
        station.auth.logout(secret, actor)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    security.clear_session_cookie(request, response)
    return response


@router.get("/api/auth/me", response_model=MeView, responses=ERRORS)
def me(request: Request) -> MeView:
    """The caller, their role, permissions and the session's CSRF token."""
    user = security.current_user(request)
    if user is None:
        raise security.AccessDenied(401, "ログインしてください", "please log in")
    return me_out(user)
