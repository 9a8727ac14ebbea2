"""Every endpoint refuses every role it should refuse (issue 6, "Authorization" in the faults list).

The expectations below are written out by hand, apart from web/security.py's ROUTE_POLICY, and the test
walks every route the app really has: a new route fails here until its row is added to both tables.
Each route is called for real as anonymous and with an API token of every role, from a LAN address
(10.1.2.3, inside the allow-list), and — for routes scoped to a counter — once on the clerk's own
counter (1) and once on another (2).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from station.app import Station
from station.clock import ManualClock
from station.services.auth import cheap_hasher
from tests.conftest import make_settings
from web.app import create_app
from web.security import ROUTE_POLICY, policy_for

OPEN = "open"
SIM = "sim"  # open from this PC (loopback); from the LAN only who may configure (supervisor, admin)
C, S, T, A = "clerk", "supervisor", "city_staff", "admin"
ROLES = (C, S, T, A)

# (method, path) → OPEN, SIM, or the roles allowed. A clerk is always held to counter 1 (own) and
# refused on counter 2 where the route is scoped (SCOPED below).
EXPECTED: dict[tuple[str, str], Any] = {
    ("GET", "/api/health"): OPEN,
    ("GET", "/metrics"): OPEN,
    ("GET", "/api/categories"): OPEN,
    ("GET", "/api/counters"): OPEN,
    ("GET", "/api/counters/{counter_id}"): OPEN,
    ("GET", "/api/events"): OPEN,
    ("GET", "/api/tickets"): OPEN,
    ("GET", "/api/tickets/{ticket_id}"): OPEN,
    ("POST", "/api/tickets"): OPEN,
    ("POST", "/api/auth/login"): OPEN,
    ("POST", "/api/counters/{counter_id}/call-next"): {C, S},
    ("POST", "/api/counters/{counter_id}/next-visitor"): {C, S},
    ("POST", "/api/counters/{counter_id}/pause"): {C, S},
    ("POST", "/api/counters/{counter_id}/resume"): {C, S},
    ("POST", "/api/counters/{counter_id}/close"): {C, S},
    ("POST", "/api/tickets/{ticket_id}/recall"): {C, S},
    ("POST", "/api/tickets/{ticket_id}/start"): {C, S},
    ("POST", "/api/tickets/{ticket_id}/finish"): {C, S},
    ("POST", "/api/tickets/{ticket_id}/no-show"): {C, S},
    ("POST", "/api/tickets/{ticket_id}/cancel"): {C, S},
    ("POST", "/api/tickets/{ticket_id}/requeue"): {C, S},
    ("POST", "/api/tickets/{ticket_id}/transfer"): {C, S},
    ("POST", "/api/tickets/{ticket_id}/reprint"): {C, S},
    ("POST", "/api/tickets/{ticket_id}/take-over"): {C, S},
    ("POST", "/api/stock/import"): {C, S},
    ("GET", "/api/followup/outcomes"): {T},
    ("POST", "/api/followup/handovers/{handover_id}/close"): {T},
    ("POST", "/api/followup/handovers/{handover_id}/callback"): {T},
    ("GET", "/api/followup/callbacks"): {T},
    ("POST", "/api/followup/callbacks/{callback_id}/done"): {T},
    ("POST", "/api/followup/urgent"): {C, S, T},
    ("GET", "/api/followup/urgent"): {C, S, T, A},
    ("POST", "/api/followup/urgent/{alert_id}/ack"): {C, S, T, A},
    ("GET", "/api/followup/receipt"): {T},
    ("POST", "/api/followup/receipt"): {T},
    ("GET", "/api/followup/counts"): {C, S, T, A},
    ("POST", "/api/followup/handovers/{handover_id}/preprint-printed"): {T},
    ("GET", "/api/followup/preprints"): {C, S, T},
    ("POST", "/api/followup/preprints/{handover_id}/given"): {C, S, T},
    ("GET", "/api/followup/held"): {C, S, T, A},
    ("POST", "/api/followup/handovers/{handover_id}/forward"): {S},
    ("GET", "/api/busy"): OPEN,
    ("PUT", "/api/busy"): {S, T},
    ("GET", "/api/busy/counts"): {C, S, T, A},
    ("POST", "/api/stock/steps"): {C, S},
    ("POST", "/api/stock/notice-check"): {C, S},
    ("POST", "/api/stock/cards/{card}/note"): {C, S},
    ("GET", "/api/stock/lists/{kind}"): {C, S},
    ("GET", "/api/stock/counts"): {C, S},
    ("GET", "/api/stock/locate/{ref}"): {C, S},
    ("GET", "/stock/print/{sheet}"): {C, S},
    ("GET", "/api/stock/cards/{notice_or_mfg}"): {C, T},  # personal fields: only who handles the case
    ("GET", "/api/stock/cards/{card}/history"): {C, S},
    ("POST", "/api/stock/cards/{card}/transition"): {C, S},
    ("POST", "/api/stock/mail"): {C, S},
    ("GET", "/api/stock/overdue"): {C, S},
    ("GET", "/api/stock/stale"): {C, S},
    ("GET", "/api/stock/notices"): {C, S},
    ("GET", "/api/stock/applications/{application_id_or_notice}"): {C, S},
    ("GET", "/api/stock/boxes"): {C, S},
    ("GET", "/api/stock/boxes/{box}"): {C, S},
    ("GET", "/api/stock/boxes/{box}/label.png"): {C, S},
    ("GET", "/api/auth/me"): {C, S, T, A},
    ("POST", "/api/auth/logout"): {C, S, T, A},
    ("GET", "/api/audit"): {S, A},
    ("POST", "/api/sim/button"): SIM,
    ("GET", "/api/sim/printer/jobs"): SIM,
    ("GET", "/api/sim/printer/jobs/{job_id}.png"): SIM,
    ("GET", "/api/sim/printer/state"): SIM,
    ("POST", "/api/sim/printer/state"): SIM,
    ("POST", "/api/sim/printer/speed"): SIM,
    ("GET", "/api/sim/card"): SIM,
    ("POST", "/api/sim/card"): SIM,
    ("POST", "/api/sim/scanner"): SIM,
    ("GET", "/"): OPEN,
    ("GET", "/login"): OPEN,
    ("GET", "/kiosk"): OPEN,
    ("GET", "/display"): OPEN,
    ("GET", "/t/{token}"): OPEN,
    ("GET", "/t/{token}/data"): OPEN,
    ("GET", "/sim"): SIM,
    ("GET", "/sim/tickets"): SIM,
    ("GET", "/counter/{counter_id}"): {C, S},
    ("GET", "/admin"): {S, A},
    # live configuration from the admin screen (issue 5): CONFIG = supervisor, admin
    ("GET", "/api/admin/config"): {S, A},
    ("PUT", "/api/admin/calendar/{day}"): {S, A},
    ("DELETE", "/api/admin/calendar/{day}"): {S, A},
    ("PUT", "/api/admin/counters/{counter_id}"): {S, A},
    ("PUT", "/api/admin/categories/{code}"): {S, A},
    ("GET", "/audit"): {S, A},
    # counter cases (issue 7): CASES = clerk, supervisor, city staff; PERSONAL_DATA = clerk, city staff
    ("GET", "/api/cases/catalog"): {C, S, T},
    ("GET", "/api/cases/counts"): {C, S, T},
    ("GET", "/api/cases/collected"): {C, T},
    ("GET", "/api/cases/awaiting-staff-check"): {T},
    ("POST", "/api/cases/purge-day"): {S},
    ("GET", "/api/cases"): {C, S, T},
    ("POST", "/api/cases"): {C, S, T},
    ("GET", "/api/cases/{case_id}"): {C, T},
    ("POST", "/api/cases/{case_id}/procedure"): {C, S, T},
    ("POST", "/api/cases/{case_id}/notice"): {C, S, T},
    ("POST", "/api/cases/{case_id}/documents"): {C, S, T},
    ("POST", "/api/cases/{case_id}/documents/all"): {C, S, T},
    ("POST", "/api/cases/{case_id}/documents/check"): {C, S, T},
    ("POST", "/api/cases/{case_id}/juki-check"): {C, S, T},
    ("POST", "/api/cases/{case_id}/card-tap"): {C, S, T},
    ("POST", "/api/cases/{case_id}/steps/{step}"): {C, S, T},
    ("POST", "/api/cases/{case_id}/issue"): {C, S, T},
    ("POST", "/api/cases/{case_id}/consents"): {C, S, T},
    ("POST", "/api/cases/{case_id}/applied"): {C, S, T},
    ("POST", "/api/cases/{case_id}/complete"): {C, S, T},
    ("POST", "/api/cases/{case_id}/cancel"): {C, S, T},
    ("POST", "/api/cases/{case_id}/undo"): {C, S, T},
    ("POST", "/api/cases/{case_id}/handover"): {C, S, T},
    ("POST", "/api/cases/{case_id}/link"): {C, S, T},
    ("GET", "/api/cases/{case_id}/slips/{kind}"): {C, S, T},
    ("POST", "/api/cases/{case_id}/slips/{kind}/reprint"): {C, S, T},
    ("POST", "/api/cases/{case_id}/staff-check"): {T},
    ("GET", "/api/handovers"): {T},
    ("GET", "/api/handovers/{handover_id}"): {T},
    ("POST", "/api/handovers/{handover_id}/take"): {T},
    ("POST", "/api/handovers/{handover_id}/close"): {T},
    ("GET", "/staff"): {T},
    ("GET", "/counter/{counter_id}/case"): {C, S},
    ("GET", "/counter/{counter_id}/case/{case_id}"): {C, S},
    # phone desk (PHONE = clerk, supervisor), reports and end of day (supervisor only), issue 8
    ("GET", "/api/phone/categories"): {C, S},
    ("GET", "/api/phone/lookup"): {C, S},
    ("POST", "/api/phone/calls"): {C, S},
    ("GET", "/api/phone/calls"): {C, T},  # what callers said: PERSONAL_DATA
    ("GET", "/api/phone/counts"): {C, S},
    ("GET", "/api/phone/desk"): {C, S},
    ("GET", "/phone"): {C, S},
    ("GET", "/api/reports/daily"): {S},
    ("GET", "/api/reports/daily.csv"): {S},
    ("GET", "/reports"): {S},
    ("GET", "/reports/print"): {S},
    # period report and staffing what-if (issue 17): supervisor only (per-clerk figures)
    ("GET", "/api/reports/period"): {S},
    ("GET", "/api/reports/period.{fmt}"): {S},
    ("GET", "/reports/period"): {S},
    ("GET", "/api/reports/staffing"): {S},
    ("GET", "/reports/staffing"): {S},
    ("GET", "/api/end-of-day"): {S},
    ("POST", "/api/end-of-day/close"): {S},
    ("POST", "/api/purge"): {S},
    ("GET", "/end-of-day"): {S},
    ("GET", "/stock"): {C, S},
    # reservations (issue 15): the resident's pages and the kiosk's check-in are open; staff by permission
    ("GET", "/api/reservations/categories"): OPEN,
    ("GET", "/api/reservations/days"): OPEN,
    ("GET", "/api/reservations/slots"): OPEN,
    ("POST", "/api/reservations/identify"): OPEN,
    ("POST", "/api/reservations"): OPEN,
    ("POST", "/api/reservations/lookup"): OPEN,
    ("POST", "/api/reservations/cancel"): OPEN,
    ("POST", "/api/reservations/change"): OPEN,
    ("POST", "/api/reservations/check-in"): OPEN,
    ("POST", "/api/reservations/staff"): {C, S},
    ("GET", "/api/reservations/board"): {C, S},
    ("POST", "/api/reservations/slots/close"): {S, A},
    ("POST", "/api/reservations/slots/reopen"): {S, A},
    ("POST", "/api/reservations/sweep"): {S, A},
    ("GET", "/api/reservations/outbox"): {S, A},
    ("GET", "/api/reservations/priority"): OPEN,
    ("GET", "/api/public/status"): OPEN,
    ("POST", "/t/{token}/watch"): OPEN,
    ("GET", "/reserve"): OPEN,
    ("GET", "/reserve/manage"): OPEN,
    ("GET", "/reserve/checklist"): OPEN,
    ("GET", "/reserve/qr/{code}.png"): OPEN,
    ("GET", "/public"): OPEN,
    ("GET", "/reservations"): {C, S},
    # the operating manual (issue 16): read and propose = clerk, supervisor, city staff; collect = supervisor,
    # city staff; review (publish, accept, reject, import) = city staff
    ("GET", "/api/manual/articles"): {C, S, T},
    ("GET", "/api/manual/search"): {C, S, T},
    ("GET", "/api/manual/edition"): {C, S, T},
    ("GET", "/api/manual/words"): {C, S, T},
    ("GET", "/api/manual/articles/{slug}"): {C, S, T},
    ("PUT", "/api/manual/articles/{slug}"): {T},
    ("POST", "/api/manual/articles/{slug}/read"): {C, S, T},
    ("GET", "/api/manual/articles/{slug}/versions"): {C, S, T},
    ("GET", "/api/manual/articles/{slug}/versions/{version}"): {C, S, T},
    ("GET", "/api/manual/articles/{slug}/diff"): {C, S, T},
    ("POST", "/api/manual/proposals"): {C, S, T},
    ("GET", "/api/manual/proposals"): {S, T},
    ("GET", "/api/manual/proposals/{proposal_id}"): {S, T},
    ("POST", "/api/manual/proposals/{proposal_id}/accept"): {T},
    ("POST", "/api/manual/proposals/{proposal_id}/reject"): {T},
    ("GET", "/api/manual/unanswered"): {S, T},
    ("GET", "/api/manual/export"): {S, T},
    ("POST", "/api/manual/import"): {T},
    ("GET", "/api/manual/manual.pdf"): {C, S, T},
    ("GET", "/manual"): {C, S, T},
    ("GET", "/manual/review"): {S, T},
}
# Request bodies where the body names the counter: the clerk's own (1) and another (2).
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/tickets/{ticket_id}/take-over"): {"own": {"counter_id": 1}, "other": {"counter_id": 2}},
}
STREAMING = {("GET", "/api/events")}  # never ends: checked by its rule, not by a request
LAN = ("10.1.2.3", 40000)


@pytest.fixture
def office(tmp_path: Path, clock: ManualClock) -> Iterator[dict[str, Any]]:
    settings = make_settings(tmp_path, security={"require_login": True})
    settings.server.allow_networks = ["127.0.0.0/8", "10.0.0.0/8"]
    st = Station(settings, clock=clock, with_devices=False, simulate=True)
    st.auth.hasher = cheap_hasher()
    st.start()
    tokens = {role: st.auth.create_token(f"t-{role}", role, 1 if role == C else None)[1] for role in ROLES}
    own = st.queue.issue("A")
    st.queue.call_next(1)
    other = st.queue.issue("C")  # counter 1 does not serve C, counter 2 does
    st.queue.call_next(2)
    yield {"station": st, "app": create_app(st, manage_lifecycle=False), "tokens": tokens,
           "own": {"counter_id": "1", "ticket_id": str(own.id), "token": own.token, "job_id": "1"},
           "other": {"counter_id": "2", "ticket_id": str(other.id), "token": other.token, "job_id": "1"}}
    st.stop()


def app_routes(app: Any) -> list[tuple[str, str]]:
    out = []
    for ctx in iter_route_contexts(app.routes):
        if isinstance(ctx.original_route, APIRoute):
            out += [(m, ctx.path_format) for m in sorted(ctx.methods or ())]
    return out


def fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "1"), path)


def call(c: TestClient, method: str, url: str, token: str | None, body: dict[str, Any] | None = None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    kw: dict[str, Any] = {"headers": headers, "follow_redirects": False}
    if method == "POST":
        kw["json"] = body or {}
    return c.request(method, url, **kw).status_code


def refused(status: int, anonymous: bool, page: bool) -> bool:
    if anonymous:
        return status == (303 if page else 401)
    return status == 403


def test_every_route_has_a_rule(office: dict[str, Any]) -> None:
    routes = app_routes(office["app"])
    missing = [r for r in routes if r not in EXPECTED or r not in ROUTE_POLICY]
    assert not missing, f"add these routes to web/security.py ROUTE_POLICY and to EXPECTED here: {missing}"
    assert len(routes) >= 40  # the walk really sees the included routers


def test_every_role_refused_where_it_should_be(office: dict[str, Any]) -> None:
    app, tokens = office["app"], office["tokens"]
    lan = TestClient(app, client=LAN)
    local = TestClient(app, client=("127.0.0.1", 40001))
    problems: list[str] = []
    checked = 0
    for method, path in app_routes(app):
        rule = EXPECTED[(method, path)]
        page = not path.startswith("/api/")
        if (method, path) in STREAMING:
            assert rule == OPEN and policy_for(method, path).permission is None
            continue
        scoped = "{counter_id}" in path or "{ticket_id}" in path or (method, path) in BODIES
        variants = [("own", office["own"])] + ([("other", office["other"])] if scoped else [])
        for variant, values in variants:
            url = fill(path, values)
            for who in (None, *ROLES):
                if rule == OPEN:
                    allowed = True
                elif rule == SIM:
                    allowed = who in (S, A)
                else:
                    allowed = who in rule and not (who == C and variant == "other" and rule != {C, S, T, A})
                body = BODIES.get((method, path), {}).get(variant)
                status = call(lan, method, url, tokens[who] if who else None, body)
                checked += 1
                if (allowed and status in (401, 403)) or (not allowed and not refused(status, who is None, page)):
                    problems.append(f"{method} {url} as {who or 'anonymous'}: {status} "
                                    f"({'should pass' if allowed else 'should be refused'})")
            if rule == SIM:  # the newcomer's demo on this PC needs no login
                status = call(local, method, url, None)
                if status in (401, 403, 303):
                    problems.append(f"{method} {url} from loopback: {status} (simulator should be open locally)")
    assert not problems, "\n".join(problems)
    assert checked > 300
