"""Who may call what: the one route table, authentication, CSRF, the client allow-list (issue 6).

How a request is checked, in order:
1. `AllowListMiddleware`: the client's address must be in `[server] allow_networks`, else 403 (Japanese
   first). Requests that did not come over IP (a Unix socket, the in-process test transport) pass.
2. `enforce` (a dependency on every route of the app, installed before the routers are included):
   - authenticates from `Authorization: Bearer stn_…` (an API token: no CSRF needed) or from the session
     cookie; a cookie counts for a state-changing request (POST/PUT/PATCH/DELETE) only when the
     `X-CSRF-Token` header matches the session's token (pages read it from <meta name="csrf-token">,
     scripts from GET /api/auth/me);
   - sets `request.state.user` (a `Principal`; web/deps.get_actor makes it the audit actor);
   - looks the route up in ROUTE_POLICY below and refuses: 401 (no login; pages redirect to /login),
     403 (role lacks the permission, another clerk's counter or ticket, or no rule for the route).
   With `[security] require_login = false` (tests that are not about security) nothing is refused,
   but a logged-in user is still the actor.
Routes that are not FastAPI routes (/static, /openapi.json, /docs, /redoc) reveal nothing personal
and stay open.

The session cookie is HttpOnly, SameSite=Strict, and Secure when the request came over https.
"""

from __future__ import annotations

import ipaddress
import secrets
from html import escape
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.routing import iter_route_contexts
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from station import messages
from station.domain import roles
from station.domain.roles import Permission as P
from station.services import privacy
from station.services.auth import Principal
from web import hardening, request_values
from web.route_policy import (  # the table (re-exported: tests and tools read it from here too)
    AUTHENTICATED,
    ROUTE_POLICY,
    SIM,
    UNLISTED,
    Policy,
    allowed_roles,
    policy_for,
)

if TYPE_CHECKING:
    from fastapi.templating import Jinja2Templates

    from station.app import Station

SESSION_COOKIE = "station_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

__all__ = ["AUTHENTICATED", "ROUTE_POLICY", "SIM", "UNLISTED", "Policy", "allowed_roles", "policy_for"]


# --- errors ------------------------------------------------------------------------------------------
class AccessDenied(Exception):
    def __init__(self, status_code: int, message_ja: str, message_en: str) -> None:
        super().__init__(message_en)
        self.status_code = status_code
        self.message_ja = message_ja
        self.message_en = message_en


def _login_required() -> AccessDenied:
    return AccessDenied(401, *messages.both("security.login_required"))


def _forbidden_code(code: str, **params: object) -> AccessDenied:
    return AccessDenied(403, *messages.both(code, **params))


def _forbidden() -> AccessDenied:
    return _forbidden_code("security.forbidden")


def _is_page(request: Request) -> bool:
    return not request.url.path.startswith("/api/")


def _denied_response(request: Request, exc: AccessDenied) -> Response:
    if _is_page(request):
        if exc.status_code == 401:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
        body = (f'<!doctype html><html lang="ja"><meta charset="utf-8"><title>403</title>'
                f'<link rel="stylesheet" href="/static/css/base.css"><link rel="stylesheet" '
                f'href="/static/css/login.css"><main class="login-main"><div class="login-card">'
                f'<h1>{escape(exc.message_ja)}</h1><p lang="en">{escape(exc.message_en)}</p>'
                f'<p><a href="/login?next={quote(request.url.path, safe="")}">別のユーザーでログイン'
                f' / log in as another user</a> ・ <a href="/">トップへ / start page</a></p></div></main></html>')
        return HTMLResponse(body, status_code=exc.status_code)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
    return JSONResponse({"detail": {"message_ja": exc.message_ja, "message_en": exc.message_en}},
                        status_code=exc.status_code, headers=headers)


# --- allow-list ----------------------------------------------------------------------------------------
def _ip(host: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not host:
        return None
    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def is_local(request: Request) -> bool:
    """This PC: loopback, or a transport that is not IP at all (Unix socket, in-process test client)."""
    ip = _ip(request.client.host if request.client else None)
    return ip is None or ip.is_loopback


class AllowListMiddleware:
    """Refuse clients outside `[server] allow_networks` before anything else runs."""

    def __init__(self, app: ASGIApp, networks: list[str]) -> None:
        self.app = app
        self.networks = [ipaddress.ip_network(n, strict=False) for n in networks]

    def allows(self, host: str | None) -> bool:
        ip = _ip(host)
        if ip is None:
            return True
        return any(ip.version == n.version and ip in n for n in self.networks)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            client = scope.get("client")
            host = client[0] if client else None
            if not self.allows(host):
                ja = (f"この端末（{host}）からは利用できません。接続できるネットワークは設定"
                      "（[server] allow_networks）で決まります。管理者に連絡してください")
                en = f"clients at {host} may not use this station ([server] allow_networks)"
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                    return
                if str(scope.get("path", "")).startswith("/api/"):
                    resp: Response = JSONResponse({"detail": {"message_ja": ja, "message_en": en}}, status_code=403)
                else:
                    resp = HTMLResponse(f'<!doctype html><html lang="ja"><meta charset="utf-8"><title>403</title>'
                                        f"<p>{escape(ja)}</p><p lang=\"en\">{escape(en)}</p></html>", status_code=403)
                await resp(scope, receive, send)
                return
        await self.app(scope, receive, send)


# --- authentication --------------------------------------------------------------------------------
def _station(request: Request) -> Station:
    return request.app.state.station


def _authenticate(request: Request, cached_only: bool = False) -> Principal | bool | None:
    """Who sends this request. `cached_only` (event loop, no database): False means "look it up"."""
    station, auth = _station(request), request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        token = auth[7:].strip()
        return (station.auth.cached_principal(token, "token") or False) if cached_only else \
            station.auth.principal_from_token(token)
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        return None
    principal = station.auth.cached_principal(secret, "session") if cached_only else \
        station.auth.principal_from_session(secret)
    if principal is None:
        return False if cached_only else None
    if request.method not in SAFE_METHODS and not _csrf_exempt(request):
        sent = request.headers.get(CSRF_HEADER, "")
        if not sent or not secrets.compare_digest(sent.encode(), principal.csrf_token.encode()):
            request.state.csrf_refused = True
            return None
    return principal


def _csrf_exempt(request: Request) -> bool:
    return request.url.path == "/api/auth/login"


def _route_path(request: Request) -> str:
    """The route's full path template (with the prefixes of every router it was included through)."""
    route = request.scope.get("route")
    if route is None:
        return request.url.path
    cache: dict[int, str] = getattr(request.app.state, "route_paths", {})
    path = cache.get(id(route))
    if path is None:
        cache = {id(c.original_route): c.path_format or "" for c in iter_route_contexts(request.app.routes)}
        request.app.state.route_paths = cache
        path = cache.get(id(route), getattr(route, "path", request.url.path))
    return path


def current_user(request: Request) -> Principal | None:
    return getattr(request.state, "user", None)


async def enforce(request: Request) -> None:
    """The app-wide check (see the module docstring). Installed on every route by `install`."""
    station = _station(request)
    request.state.csrf_refused = False
    # No worker thread when nobody is to be looked up (public pages must not queue behind the counters)
    # or the login is cached (a thread hop per request was a visible share of CPU, issue 19).
    found = _authenticate(request, cached_only=True)
    principal = await run_in_threadpool(_authenticate, request) if found is False else found
    request.state.user = principal
    request.state.csrf = principal.csrf_token if principal and principal.via == "session" else ""
    # The views blank their personal fields for a reader without PERSONAL_DATA (station/services/privacy.py).
    privacy.set_reader(not station.settings.security.require_login
                       or (principal is not None and principal.can(P.PERSONAL_DATA)))
    if not station.settings.security.require_login:
        return
    policy = policy_for(request.method, _route_path(request))
    perm = policy.permission
    if perm is None:
        return
    if perm == SIM:
        if is_local(request):
            return
        perm = P.CONFIG
    if perm == UNLISTED:
        raise _forbidden_code("security.unlisted")
    if principal is None:
        if request.state.csrf_refused:
            raise _forbidden_code("security.csrf_missing")
        raise _login_required()
    if perm != AUTHENTICATED and not principal.can(perm):
        raise _forbidden()
    if policy.scope:
        await _check_scope(request, principal, policy.scope)
    if policy.reads and principal.can(P.PERSONAL_DATA):
        await _record_read(request, principal, policy.reads)


async def _check_scope(request: Request, principal: Principal, scope: str) -> None:
    """Counter, ticket and case scope, on the values the route will really get (web/request_values.py):
    the raw path string is never trusted, and a value that does not validate is a refusal, not a skip."""
    station = _station(request)
    own = principal.counter_id
    path = request_values.path_values(request)
    if scope in ("case", "counter+case"):
        case_id = request_values.bounded_id(path, "case_id")
        if case_id is None:
            raise _forbidden_code("security.bad_id")
        exists, case_counter = await run_in_threadpool(station.auth.case_scope, case_id)
        if exists and not roles.may_open_case(principal.role, own, case_counter):
            raise _forbidden_code("security.case_other_counter")
        if scope == "case":
            return
    if principal.can(P.ALL_COUNTERS):
        return
    if scope in ("counter", "counter+case"):
        counter_id = request_values.bounded_id(path, "counter_id")
        if counter_id is None:
            raise _forbidden_code("security.bad_id")
        if not roles.may_use_counter(principal.role, own, counter_id):
            raise _counter_refusal(own, "security.counter_only")
        return
    if scope == "list":
        query = request_values.query_values(request)
        if query is None:
            raise _forbidden_code("security.bad_id")
        asked = query.get("counter_id")
        if asked is not None and not roles.allowed(principal.role, P.HANDOVER) and asked != own:
            raise _counter_refusal(own, "security.counter_only")
        return
    if scope in ("ticket", "ticket+body"):
        ticket_id = request_values.bounded_id(path, "ticket_id")
        if ticket_id is None:
            raise _forbidden_code("security.bad_id")
        await _check_ticket(request, principal, ticket_id)
    if scope == "take-over":
        ticket_id = request_values.bounded_id(path, "ticket_id")
        if ticket_id is None:
            raise _forbidden_code("security.bad_id")
        t = await run_in_threadpool(station.auth.ticket_scope, ticket_id)
        if t is not None and t.counter_id not in (None, own):
            states = await run_in_threadpool(station.queue.counter_states)
            closed = getattr(states.get(t.counter_id), "value", None) == "closed"
            if not roles.may_take_over(principal.role, own, t.counter_id, closed):
                raise _forbidden_code("security.take_over_live_counter", counter=t.counter_id)
    if scope in ("ticket+body", "body", "take-over"):
        try:
            body = await request_values.body_values(request)
        except request_values.Unparsable:
            raise _forbidden_code("security.bad_id") from None
        body_counter = request_values.body_field(body, "counter_id")
        if body_counter is not None and body_counter != own:
            raise _counter_refusal(own, "security.as_counter_only")
        body_ticket = request_values.body_field(body, "ticket_id")
        if scope == "body" and body_ticket is not None:
            ticket_id = request_values.bounded_id({"t": body_ticket}, "t")
            if ticket_id is None:
                raise _forbidden_code("security.bad_id")
            await _check_ticket(request, principal, ticket_id)


async def _check_ticket(request: Request, principal: Principal, ticket_id: int) -> None:
    station = _station(request)
    own = principal.counter_id
    t = await run_in_threadpool(station.auth.ticket_scope, ticket_id)
    if t is None:
        return  # no such ticket: the route answers 404
    counter = station.settings.counter(own) if own is not None else None
    if not roles.may_act_on_ticket(principal.role, own, counter.categories if counter else [],
                                   ticket_counter=t.counter_id, ticket_target_counter=t.target_counter_id,
                                   ticket_category=t.category):
        raise _forbidden_code("security.ticket_other_counter")


def list_counter(request: Request) -> int | None:
    """For list routes (`GET /api/cases`): the counter a reader's list is limited to — a clerk's own —
    or None (every counter: the supervisor, city staff, or logins switched off)."""
    principal = current_user(request)
    if principal is None or not _station(request).settings.security.require_login:
        return None
    if principal.can(P.ALL_COUNTERS) or principal.can(P.HANDOVER):
        return None
    return principal.counter_id if principal.counter_id is not None else 0  # 0: no counter, nothing listed


ListCounterDep = Annotated[int | None, Depends(list_counter)]


async def _record_read(request: Request, principal: Principal, what: str) -> None:
    """Audit a personal-data read: who, which ids (the validated path values), when; never the data."""
    from web.deps import get_actor

    values = request_values.path_values(request) or {}
    target = ",".join(f"{k}={v}" for k, v in sorted(values.items())) or request.url.path
    await run_in_threadpool(_station(request).auth.record_read, get_actor(request), what, target)


def _counter_refusal(own: int | None, code: str) -> AccessDenied:
    """Another counter than one's own; without a counter at all, say so (never 「None番窓口」)."""
    if own is None:
        return _forbidden_code("security.no_counter")
    return _forbidden_code(code, counter=own)


def require(permission: P | str) -> Any:
    """A dependency for a route that wants its own explicit check (on top of ROUTE_POLICY)."""

    def check(request: Request) -> Principal | None:
        principal = current_user(request)
        if not _station(request).settings.security.require_login:
            return principal
        if principal is None:
            raise _login_required()
        if permission != AUTHENTICATED and not principal.can(permission):
            raise _forbidden()
        return principal

    return Depends(check)


# --- cookies ---------------------------------------------------------------------------------------------
def set_session_cookie(request: Request, response: Response, secret: str, max_age_s: int) -> None:
    response.set_cookie(SESSION_COOKIE, secret, max_age=max_age_s, path="/", httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict",
                           secure=request.url.scheme == "https")


# --- wiring ----------------------------------------------------------------------------------------------
def csrf_token(request: Request) -> str:
    """For templates: <meta name="csrf-token" content="{{ csrf_token(request) }}">."""
    return getattr(request.state, "csrf", "") or ""


def install_templates(templates: Jinja2Templates) -> None:
    templates.env.globals["csrf_token"] = csrf_token
    templates.env.globals["current_user"] = current_user
    templates.env.globals["csp_nonce"] = hardening.csp_nonce


def install(app: FastAPI, station: Station) -> None:
    """Call right after creating the app, before including routers (the dependency applies to routes
    included afterwards)."""
    app.add_middleware(hardening.BodyLimitMiddleware)  # innermost: after the allow-list, before any route
    app.add_middleware(AllowListMiddleware, networks=station.settings.server.allow_networks)
    app.add_middleware(hardening.SecurityHeadersMiddleware)  # outermost: every answer gets the headers
    app.router.dependencies.append(Depends(enforce))

    @app.exception_handler(AccessDenied)
    async def _denied(request: Request, exc: AccessDenied) -> Response:
        return _denied_response(request, exc)
