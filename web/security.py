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
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.routing import iter_route_contexts
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from station.domain import roles
from station.domain.roles import Permission as P
from station.services.auth import Principal

if TYPE_CHECKING:
    from fastapi.templating import Jinja2Templates

    from station.app import Station

SESSION_COOKIE = "station_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Pseudo-permissions of the table.
AUTHENTICATED = "authenticated"  # any logged-in user or token
SIM = "sim"  # simulator controls: open from this PC (loopback), else the admin's CONFIG permission
UNLISTED = "unlisted"  # a route missing from the table: refused until someone decides


@dataclass(frozen=True)
class Policy:
    """What an endpoint needs. permission None: open to anyone (kiosk, display, visitor).

    scope: "counter" (the {counter_id} in the path must be the clerk's), "ticket" (the {ticket_id}
    must be a ticket the clerk's counter holds or could call), "ticket+body" (and a `counter_id`
    in the JSON body, if any, must be the clerk's own counter), "body" (only that body check)."""

    permission: P | str | None
    scope: str | None = None
    why: str = ""


OPEN = Policy(None)


def _open(why: str) -> Policy:
    return Policy(None, None, why)


_QUEUE_TICKET = Policy(P.QUEUE_OPERATE, "ticket+body", "clerk panel action on a visitor's ticket")

# Every route of the app, decided one by one. tests/faults/test_authorization.py walks app.routes and
# fails for a route missing here, then checks every role against what the rule says.
ROUTE_POLICY: dict[tuple[str, str], Policy] = {
    # --- open: shows nothing personal --------------------------------------------------------------
    ("GET", "/api/health"): _open("device lights, monitoring"),
    ("GET", "/metrics"): _open("Prometheus: counts and timings by category, counter and device, nothing personal"),
    ("GET", "/api/categories"): _open("kiosk and display: waiting counts per category"),
    ("GET", "/api/counters"): _open("display: counters and the numbers they serve"),
    ("GET", "/api/counters/{counter_id}"): _open("display / panel: a counter and its current number"),
    ("GET", "/api/events"): _open("display and panels: the live stream (numbers only)"),
    ("GET", "/api/tickets"): _open("display: today's numbers and states (no personal data on tickets)"),
    ("GET", "/api/tickets/{ticket_id}"): _open("a number's state"),
    ("POST", "/api/tickets"): _open("the kiosk issues tickets without login"),
    ("POST", "/api/auth/login"): _open("logging in"),
    # --- the clerk's counter ------------------------------------------------------------------------
    ("POST", "/api/counters/{counter_id}/call-next"): Policy(P.QUEUE_OPERATE, "counter", "call the next visitor"),
    ("POST", "/api/counters/{counter_id}/next-visitor"): Policy(P.QUEUE_OPERATE, "counter",
                                                                 "finish the visitor served here, call the next"),
    ("POST", "/api/counters/{counter_id}/pause"): Policy(P.QUEUE_OPERATE, "counter", "pause the counter"),
    ("POST", "/api/counters/{counter_id}/resume"): Policy(P.QUEUE_OPERATE, "counter", "resume the counter"),
    ("POST", "/api/counters/{counter_id}/close"): Policy(P.QUEUE_OPERATE, "counter", "close the counter"),
    ("POST", "/api/tickets/{ticket_id}/recall"): _QUEUE_TICKET,
    ("POST", "/api/tickets/{ticket_id}/start"): _QUEUE_TICKET,
    ("POST", "/api/tickets/{ticket_id}/finish"): _QUEUE_TICKET,
    ("POST", "/api/tickets/{ticket_id}/no-show"): _QUEUE_TICKET,
    ("POST", "/api/tickets/{ticket_id}/cancel"): _QUEUE_TICKET,
    ("POST", "/api/tickets/{ticket_id}/requeue"): _QUEUE_TICKET,
    ("POST", "/api/tickets/{ticket_id}/transfer"): Policy(P.QUEUE_OPERATE, "ticket", "transfer"),
    ("POST", "/api/tickets/{ticket_id}/reprint"): Policy(P.QUEUE_OPERATE, "ticket", "print a ticket again"),
    # another counter's called visitor (its PC went down): the taking counter (body) must be one's own
    ("POST", "/api/tickets/{ticket_id}/take-over"): Policy(P.QUEUE_OPERATE, "body", "take over a called visitor"),
    # --- card stock, back office (D-BO); the single-card lookup shows the holder's personal fields ------
    ("POST", "/api/stock/import"): Policy(P.BACK_OFFICE, None, "import the card issuance list"),
    ("GET", "/api/stock/cards/{notice_or_mfg}"): Policy(P.PERSONAL_DATA, None, "one card, with name and birth date"),
    ("GET", "/api/stock/cards/{card}/history"): Policy(P.BACK_OFFICE),
    ("POST", "/api/stock/cards/{card}/transition"): Policy(P.BACK_OFFICE),
    ("POST", "/api/stock/mail"): Policy(P.BACK_OFFICE, None, "notices mailed"),
    ("GET", "/api/stock/overdue"): Policy(P.BACK_OFFICE),
    ("GET", "/api/stock/stale"): Policy(P.BACK_OFFICE),
    ("GET", "/api/stock/notices"): Policy(P.BACK_OFFICE),
    ("GET", "/api/stock/applications/{application_id_or_notice}"): Policy(P.BACK_OFFICE, None, "D-TEL-4 lookup"),
    ("GET", "/api/stock/boxes"): Policy(P.BACK_OFFICE),
    ("GET", "/api/stock/boxes/{box}"): Policy(P.BACK_OFFICE),
    ("GET", "/api/stock/boxes/{box}/label.png"): Policy(P.BACK_OFFICE),
    ("GET", "/stock"): Policy(P.BACK_OFFICE, None, "back-office stock screen"),
    # --- counter cases (issue 7): clerks work them; personal working data until the handover closes ----
    ("GET", "/api/cases/catalog"): Policy(P.CASES, None, "procedures and document rules"),
    ("GET", "/api/cases/counts"): Policy(P.CASES, None, "per-day counts (no personal data)"),
    ("GET", "/api/cases/collected"): Policy(P.PERSONAL_DATA, None, "collected documents per case (notice numbers)"),
    ("GET", "/api/cases/awaiting-staff-check"): Policy(P.STAFF_CHECK, None, "sets waiting for city staff"),
    ("POST", "/api/cases/purge-day"): Policy(P.END_OF_DAY, None, "purge a handed-over day's cases"),
    ("GET", "/api/cases"): Policy(P.CASES),
    ("POST", "/api/cases"): Policy(P.CASES, "body", "open a case at one's own counter"),
    ("GET", "/api/cases/{case_id}"): Policy(P.PERSONAL_DATA, None, "a case with its working data"),
    ("POST", "/api/cases/{case_id}/procedure"): Policy(P.CASES),
    ("POST", "/api/cases/{case_id}/notice"): Policy(P.CASES),
    ("POST", "/api/cases/{case_id}/documents"): Policy(P.CASES),
    ("POST", "/api/cases/{case_id}/documents/all"): Policy(P.CASES),
    ("POST", "/api/cases/{case_id}/documents/check"): Policy(P.CASES),
    ("POST", "/api/cases/{case_id}/juki-check"): Policy(P.CASES),
    ("POST", "/api/cases/{case_id}/card-tap"): Policy(P.CASES),
    ("POST", "/api/cases/{case_id}/steps/{step}"): Policy(P.CASES),
    ("POST", "/api/cases/{case_id}/issue"): Policy(P.CASES),
    ("POST", "/api/cases/{case_id}/consents"): Policy(P.CASES),
    ("POST", "/api/cases/{case_id}/applied"): Policy(P.CASES),
    ("POST", "/api/cases/{case_id}/complete"): Policy(P.CASES),
    ("POST", "/api/cases/{case_id}/cancel"): Policy(P.CASES),
    ("POST", "/api/cases/{case_id}/undo"): Policy(P.CASES),
    ("POST", "/api/cases/{case_id}/handover"): Policy(P.CASES),
    ("POST", "/api/cases/{case_id}/link"): Policy(P.CASES),
    ("GET", "/api/cases/{case_id}/slips/{kind}"): Policy(P.CASES),
    ("POST", "/api/cases/{case_id}/slips/{kind}/reprint"): Policy(P.CASES),
    # --- city staff (本市職員): their check and the handover queue ----------------------------------------
    ("POST", "/api/cases/{case_id}/staff-check"): Policy(P.STAFF_CHECK, None, "D-ISS-2 check by city staff"),
    ("GET", "/api/handovers"): Policy(P.HANDOVER, None, "the handover queue (notes are personal)"),
    ("GET", "/api/handovers/{handover_id}"): Policy(P.HANDOVER),
    ("POST", "/api/handovers/{handover_id}/take"): Policy(P.HANDOVER),
    ("POST", "/api/handovers/{handover_id}/close"): Policy(P.HANDOVER, None, "close: purges the case (D-ALL-2)"),
    ("GET", "/staff"): Policy(P.HANDOVER, None, "city-staff screen"),
    ("GET", "/counter/{counter_id}/case"): Policy(P.QUEUE_OPERATE, "counter", "the counter's current case"),
    ("GET", "/counter/{counter_id}/case/{case_id}"): Policy(P.QUEUE_OPERATE, "counter", "case screen (panel)"),
    # --- phone desk (D-TEL), reports (D-ALL-1), end of day and purge (D-BO-6, D-ALL-2): issue 8 ------------
    ("GET", "/api/phone/categories"): Policy(P.PHONE),
    ("GET", "/api/phone/lookup"): Policy(P.PHONE, None, "D-TEL-4 application date (nothing personal)"),
    ("POST", "/api/phone/calls"): Policy(P.PHONE, None, "save a phone reception slip"),
    ("GET", "/api/phone/calls"): Policy(P.PERSONAL_DATA, None, "slips with what callers said"),
    ("GET", "/api/phone/counts"): Policy(P.PHONE),
    ("GET", "/api/phone/desk"): Policy(P.PHONE),
    ("GET", "/phone"): Policy(P.PHONE, None, "phone desk screen"),
    ("GET", "/api/reports/daily"): Policy(P.REPORTS, None, "daily counts for the city"),
    ("GET", "/api/reports/daily.csv"): Policy(P.REPORTS),
    ("GET", "/reports"): Policy(P.REPORTS, None, "reports screen"),
    ("GET", "/reports/print"): Policy(P.REPORTS, None, "printable A4 daily report"),
    ("GET", "/api/end-of-day"): Policy(P.END_OF_DAY, None, "collected papers per case (ticket numbers, kinds)"),
    ("POST", "/api/end-of-day/close"): Policy(P.END_OF_DAY, None, "day handed over: purges its personal data"),
    ("POST", "/api/purge"): Policy(P.END_OF_DAY, None, "purge by retention (forced needs a reason)"),
    ("GET", "/end-of-day"): Policy(P.END_OF_DAY, None, "end-of-day checklist screen"),
    # --- logged-in users --------------------------------------------------------------------------
    ("GET", "/api/auth/me"): Policy(AUTHENTICATED, None, "who am I, my permissions and CSRF token"),
    ("POST", "/api/auth/logout"): Policy(AUTHENTICATED, None, "end the session"),
    ("GET", "/api/audit"): Policy(P.AUDIT_READ, None, "the audit log (supervisor, admin)"),
    # --- simulator (only mounted with --simulate): a newcomer's demo on this PC -----------------------
    ("POST", "/api/sim/button"): Policy(SIM),
    ("GET", "/api/sim/printer/jobs"): Policy(SIM),
    ("GET", "/api/sim/printer/jobs/{job_id}.png"): Policy(SIM),
    ("GET", "/api/sim/printer/state"): Policy(SIM),
    ("POST", "/api/sim/printer/state"): Policy(SIM),
    ("POST", "/api/sim/printer/speed"): Policy(SIM),
    ("GET", "/api/sim/card"): Policy(SIM),
    ("POST", "/api/sim/card"): Policy(SIM),
    ("POST", "/api/sim/scanner"): Policy(SIM),
    ("GET", "/sim"): Policy(SIM),
    ("GET", "/sim/tickets"): Policy(SIM),
    # --- pages ----------------------------------------------------------------------------------------
    ("GET", "/"): _open("list of screens"),
    ("GET", "/login"): _open("login page"),
    ("GET", "/kiosk"): _open("ticket kiosk"),
    ("GET", "/display"): _open("waiting-room display"),
    ("GET", "/t/{token}"): _open("visitor's status page (the token is the secret)"),
    ("GET", "/t/{token}/data"): _open("visitor's status data"),
    ("GET", "/counter/{counter_id}"): Policy(P.QUEUE_OPERATE, "counter", "clerk panel of one counter"),
    ("GET", "/admin"): Policy(P.CONFIG, None, "configuration screen"),
    ("GET", "/api/admin/config"): Policy(P.CONFIG, None, "live configuration with the file's values"),
    ("PUT", "/api/admin/calendar/{day}"): Policy(P.CONFIG, None, "close / open a date"),
    ("DELETE", "/api/admin/calendar/{day}"): Policy(P.CONFIG, None, "undo a date's change"),
    ("PUT", "/api/admin/counters/{counter_id}"): Policy(P.CONFIG, None, "categories a counter serves"),
    ("PUT", "/api/admin/categories/{code}"): Policy(P.CONFIG, None, "cut-off and service time"),
    ("GET", "/audit"): Policy(P.AUDIT_READ, None, "audit log screen"),
    # --- reservations (issue 15): the resident's pages are open, rate-limited, and show nothing personal ----
    ("GET", "/api/reservations/categories"): _open("procedures that take bookings"),
    ("GET", "/api/reservations/days"): _open("bookable days with free places (counts only)"),
    ("GET", "/api/reservations/slots"): _open("a day's slots with free places (counts only)"),
    ("POST", "/api/reservations/identify"): _open("resident: notice + birth date → own checklist (throttled)"),
    ("POST", "/api/reservations"): _open("resident books (notice + birth date, throttled)"),
    ("POST", "/api/reservations/lookup"): _open("resident: code + birth date → own booking"),
    ("POST", "/api/reservations/cancel"): _open("resident: code + birth date"),
    ("POST", "/api/reservations/change"): _open("resident: code + birth date"),
    ("POST", "/api/reservations/check-in"): _open("the kiosk checks a booking in (like issuing a ticket)"),
    ("POST", "/api/reservations/staff"): Policy(P.PHONE, None, "phone desk / counter books for a resident"),
    ("GET", "/api/reservations/board"): Policy(P.QUEUE_OPERATE, None, "the day's bookings per slot (codes)"),
    ("POST", "/api/reservations/slots/close"): Policy(P.CONFIG, None, "supervisor closes a slot (outage)"),
    ("POST", "/api/reservations/slots/reopen"): Policy(P.CONFIG, None, "supervisor reopens a slot"),
    ("POST", "/api/reservations/sweep"): Policy(P.CONFIG, None, "run no-shows, reminders, purge now"),
    ("GET", "/api/reservations/outbox"): Policy(P.CONFIG, None, "mail outbox (kinds and states, no addresses)"),
    ("GET", "/api/reservations/priority"): _open("display: today's priority ticket numbers (予約 mark)"),
    ("GET", "/api/public/status"): _open("congestion page data: counts, no ids, no personal data"),
    ("POST", "/t/{token}/watch"): _open("visitor: mail me when my turn is near (the token is the secret)"),
    ("GET", "/reserve"): _open("resident's booking page"),
    ("GET", "/reserve/manage"): _open("resident: check, change, cancel"),
    ("GET", "/reserve/checklist"): _open("resident: what to bring"),
    ("GET", "/reserve/qr/{code}.png"): _open("a booking code as a QR image (encodes only the code given)"),
    ("GET", "/public"): _open("congestion page (混雑状況)"),
    ("GET", "/reservations"): Policy(P.QUEUE_OPERATE, None, "staff: the day's bookings, close a slot, book by phone"),
}


def policy_for(method: str, path: str) -> Policy:
    m = "GET" if method == "HEAD" else method
    return ROUTE_POLICY.get((m, path), Policy(UNLISTED))


def allowed_roles(policy: Policy, *, local: bool = False) -> frozenset[str] | None:
    """The roles a policy lets through (ignoring counter scope); None = open to anyone."""
    perm = policy.permission
    if perm is None or (perm == SIM and local):
        return None
    if perm == SIM:
        perm = P.CONFIG
    if perm == AUTHENTICATED:
        return frozenset(r.value for r in roles.Role)
    if perm == UNLISTED:
        return frozenset()
    return frozenset(r.value for r in roles.roles_with(perm))


# --- errors ------------------------------------------------------------------------------------------
class AccessDenied(Exception):
    def __init__(self, status_code: int, message_ja: str, message_en: str) -> None:
        super().__init__(message_en)
        self.status_code = status_code
        self.message_ja = message_ja
        self.message_en = message_en


def _login_required() -> AccessDenied:
    return AccessDenied(401, "ログインしてください", "please log in")


def _forbidden(ja: str = "この操作の権限がありません", en: str = "your role may not do this") -> AccessDenied:
    return AccessDenied(403, ja, en)


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
    """Who sends this request. With `cached_only` (on the event loop, no database): the principal if the
    auth service has it cached, else False, meaning "look it up" (in a worker thread)."""
    station = _station(request)
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        secret = auth[7:].strip()
        if cached_only:
            return station.auth.cached_principal(secret, "token") or False
        return station.auth.principal_from_token(secret)
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        return None
    if cached_only:
        principal = station.auth.cached_principal(secret, "session")
        if principal is None:
            return False
    else:
        principal = station.auth.principal_from_session(secret)
    if principal is None:
        return None
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
    # No database, so no worker thread, when there is nobody to look up (the kiosk, the display, a
    # resident's phone: the public pages must not queue behind the counters' work) or the login is
    # cached (a thread hop per request was a visible share of the daemon's CPU, issue 19). Only a
    # cache miss goes to the pool.
    found = _authenticate(request, cached_only=True)
    principal = await run_in_threadpool(_authenticate, request) if found is False else found
    request.state.user = principal
    request.state.csrf = principal.csrf_token if principal and principal.via == "session" else ""
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
        raise _forbidden("この画面・操作の利用権限が定められていません（管理者に連絡してください）",
                         "no access rule is defined for this endpoint")
    if principal is None:
        if request.state.csrf_refused:
            raise _forbidden("画面を開き直してからもう一度操作してください（CSRFトークンがありません）",
                             "missing or wrong X-CSRF-Token header: reload the page and try again")
        raise _login_required()
    if perm != AUTHENTICATED and not principal.can(perm):
        raise _forbidden()
    if policy.scope:
        await _check_scope(request, principal, policy.scope)


async def _check_scope(request: Request, principal: Principal, scope: str) -> None:
    if principal.can(P.ALL_COUNTERS):
        return
    station = _station(request)
    own = principal.counter_id
    if scope == "counter":
        try:
            counter_id = int(request.path_params.get("counter_id", ""))
        except ValueError:
            return  # not a counter: validation answers 422
        if not roles.may_use_counter(principal.role, own, counter_id):
            raise _forbidden(f"{own}番窓口以外の窓口は操作できません", f"you may act only on counter {own}")
        return
    try:
        ticket_id = int(request.path_params.get("ticket_id", ""))
    except ValueError:
        return
    t = await run_in_threadpool(station.auth.ticket_scope, ticket_id) if scope != "body" else None
    if t is not None:
        counter = station.settings.counter(own) if own is not None else None
        if not roles.may_act_on_ticket(principal.role, own, counter.categories if counter else [],
                                       ticket_counter=t.counter_id, ticket_target_counter=t.target_counter_id,
                                       ticket_category=t.category):
            raise _forbidden("他の窓口の番号札は操作できません", "this ticket belongs to another counter")
    if scope in ("ticket+body", "body"):
        body_counter: Any = None
        try:
            data = await request.json() if await request.body() else None
            body_counter = data.get("counter_id") if isinstance(data, dict) else None
        except ValueError:
            body_counter = None
        if body_counter is not None and body_counter != own:
            raise _forbidden(f"{own}番窓口以外の窓口として操作できません", f"you may act only as counter {own}")


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


def install(app: FastAPI, station: Station) -> None:
    """Call right after creating the app, before including routers (the dependency applies to routes
    included afterwards)."""
    app.add_middleware(AllowListMiddleware, networks=station.settings.server.allow_networks)
    app.router.dependencies.append(Depends(enforce))

    @app.exception_handler(AccessDenied)
    async def _denied(request: Request, exc: AccessDenied) -> Response:
        return _denied_response(request, exc)
