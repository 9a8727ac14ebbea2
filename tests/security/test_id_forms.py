"""Route × role × id form (issue 13, High 1): an id means the same thing to the access check as to the route.

The probe found `POST /api/counters/2.0/pause` → 200 for counter 1's clerk (403 for `2`): the check read the
raw string, `int("2.0")` failed and the check was skipped, while FastAPI read `2.0` as 2. Every route of the
app with an integer in its path is called here with that integer written as `2`, `2.0`, `02`, `+2`, ` 2`
(all 2 to the route), `２`, `2e0`, a huge number and a negative one (no id of ours), as anonymous and as
every role, and must hold:

- never a server error;
- counter 1's clerk never gets through to counter 2's counter or ticket, in any form; a clerk token with
  no counter never gets through to any counter;
- a form that is no id of ours is never accepted;
- a GET answers the same for every way of writing the same id.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from fastapi.routing import APIRoute, iter_route_contexts

from tests.security.conftest import ROLES, Office

SAME_AS_2 = ("2", "2.0", "02", "+2", " 2")
NOT_AN_ID = ("２", "2e0", "99999999999999999999999", "-2")
FILL = {"kind": "receipt", "step": "documents", "day": "2026-12-02", "code": "A", "token": "x" * 20,
        "box": "1", "card": "1", "notice_or_mfg": "1", "application_id_or_notice": "1"}
STREAMING = {("GET", "/api/events")}


def int_routes(app: Any) -> list[tuple[str, str, list[str]]]:
    """(method, path, integer path parameters) for every route with an integer in its path."""
    out = []
    for ctx in iter_route_contexts(app.routes):
        route = ctx.original_route
        if not isinstance(route, APIRoute):
            continue
        ints = []
        todo = [route.dependant]
        while todo:
            d = todo.pop()
            ints += [f.name for f in d.path_params if f.field_info.annotation is int]
            todo.extend(d.dependencies)
        if ints:
            out += [(m, ctx.path_format, sorted(set(ints))) for m in sorted(ctx.methods or ())
                    if (m, ctx.path_format) not in STREAMING]
    return out


def url(path: str, name: str, form: str) -> str:
    def sub(m: re.Match[str]) -> str:
        key = m.group(1)
        return quote(form, safe="+.") if key == name else FILL.get(key, "1")
    return re.sub(r"\{(\w+)\}", sub, path)


def call(office: Office, c: Any, method: str, target: str, who: str | None) -> int:
    kw: dict[str, Any] = {"headers": office.headers(who), "follow_redirects": False}
    if method in ("POST", "PUT"):
        kw["json"] = {"counter_id": 1} if target.endswith("/take-over") else {}
    return c.request(method, target, **kw).status_code


def refused(status: int, who: str | None) -> bool:
    return status >= 400 or (who is None and status in (303, 307))


def test_the_table_sees_the_routes(office: Office) -> None:
    routes = int_routes(office.app)
    paths = {p for _, p, _ in routes}
    for p in ("/api/counters/{counter_id}/pause", "/api/tickets/{ticket_id}/recall", "/counter/{counter_id}",
              "/api/cases/{case_id}", "/api/handovers/{handover_id}"):
        assert p in paths, p
    assert len(routes) > 40


def test_every_id_form_as_every_role(office: Office) -> None:
    c = office.client()
    problems: list[str] = []
    calls = 0
    for method, path, names in int_routes(office.app):
        for name in names:
            canonical: dict[str | None, int] = {}
            for form in SAME_AS_2 + NOT_AN_ID:
                target = url(path, name, form)
                for who in (None, *ROLES):
                    status = call(office, c, method, target, who)
                    calls += 1
                    where = f"{method} {target!r} as {who or 'anonymous'}: {status}"
                    if status >= 500:
                        problems.append(f"{where} (server error)")
                    elif form in NOT_AN_ID and not refused(status, who):
                        problems.append(f"{where} (not an id of ours, accepted)")
                    elif form in SAME_AS_2 and who in ("clerk", "clerk_nocounter") and not refused(status, who) \
                            and _other_counters(method, name, path):
                        problems.append(f"{where} (counter 2's {name} reached by a counter-1 clerk)")
                    if method == "GET" and form in SAME_AS_2:
                        first = canonical.setdefault(who, status)
                        if status != first:
                            problems.append(f"{where}, but {first} for '2' (the same id answers differently)")
    assert calls > 2000
    assert not problems, "\n".join(problems)


def _other_counters(method: str, name: str, path: str) -> bool:
    """Where id 2 is counter 2's and only its clerk may act: the counter (its panel and every action on
    it; reading a counter is the display's, open), its called ticket (seeded so: every action on it)."""
    if name == "counter_id":
        return path.startswith("/counter/") or (method == "POST" and path.startswith("/api/counters/"))
    return name == "ticket_id" and method == "POST"


def test_a_clerk_without_a_counter_acts_on_no_counter(office: Office) -> None:
    c = office.client()
    for form in ("1", "1.0", "01", "+1", " 1"):
        r = c.post(url("/api/counters/{counter_id}/pause", "counter_id", form),
                   headers=office.headers("clerk_nocounter"))
        assert r.status_code == 403, (form, r.status_code)
        assert "None" not in r.json()["detail"]["message_ja"]


def test_own_counter_in_any_form_still_works(office: Office) -> None:
    c = office.client()
    for form in ("1.0", "01", "+1", " 1", "1"):
        r = c.post(url("/api/counters/{counter_id}/pause", "counter_id", form), headers=office.headers("clerk"))
        assert r.status_code in (200, 409), (form, r.status_code, r.text)
        c.post("/api/counters/1/resume", headers=office.headers("clerk"))


def test_body_counter_in_any_form(office: Office) -> None:
    """The counter named in a body is checked as the route reads it: 2.0, "2", "02" are counter 2."""
    c = office.client()
    own = office.ids["own_ticket"]
    for value in (2, 2.0, "2", "02", " 2", "+2", "2e0", 2**70, -2, "２"):
        r = c.post(f"/api/tickets/{own}/take-over", json={"counter_id": value}, headers=office.headers("clerk"))
        assert r.status_code in (403, 422), (value, r.status_code, r.text)
        r = c.post(f"/api/tickets/{own}/recall", json={"counter_id": value}, headers=office.headers("clerk"))
        assert r.status_code in (403, 422), (value, r.status_code, r.text)
