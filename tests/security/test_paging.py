"""Every list endpoint pages with a bounded limit (issue 13, Medium 7).

`GET /api/stock/stale` answered 185 MB with a large stock while a ticket waited 16 s. Here the OpenAPI
document is the contract: every GET answering a list takes `limit` (at most 1000) and `cursor`, unless it is
listed below with the reason its length is bounded by the office itself; and paging really pages.
"""

from __future__ import annotations

from typing import Any

from tests.security.conftest import Office
from web.paging import MAX_LIMIT

# Lists bounded by configuration or by a day's desk, not by the data that piles up.
BOUNDED_BY_THE_OFFICE = {
    "/api/categories": "the configured categories",
    "/api/counters": "the configured counters",
    "/api/stock/boxes": "storage boxes on the shelves (a few hundred at most)",
    "/api/stock/boxes/{box}": "one box: at most [stock] box_size cards",
    "/api/stock/cards/{card}/history": "one card's transitions",
    "/api/phone/categories": "the catalog's phone categories",
    "/api/phone/calls": "one day's phone slips",
    "/api/cases/awaiting-staff-check": "sets waiting at the counters right now",
    "/api/cases/collected": "one day's cases with collected papers",
    "/api/handovers": "open handovers (waiting or taken) by default; closed ones are purged daily",
    "/api/sim/printer/jobs": "the simulator's last jobs (limit ≤ 500)",
    "/api/audit": "one day, limit ≤ 1000",
    "/api/followup/outcomes": "the configured outcome codes",
    "/api/followup/urgent": "open (unacknowledged) urgent alerts: a handful at the counters right now",
    "/api/followup/held": "waiting handovers held for the 業務管理者 (open ones only)",
    "/api/reservations/categories": "the configured procedures that take bookings",
    "/api/reservations/days": "the days of the booking window",
    "/api/reservations/outbox": "the last 100 mails (the repository's limit)",
}


def _array_gets(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {}
    for path, item in spec["paths"].items():
        op = item.get("get")
        if not op:
            continue
        schema = op.get("responses", {}).get("200", {}).get("content", {}).get("application/json", {}).get("schema", {})
        if schema.get("type") == "array":
            out[path] = op
    return out


def test_every_list_pages(office: Office) -> None:
    spec = office.app.openapi()
    lists = _array_gets(spec)
    assert len(lists) > 10
    problems = []
    for path, op in lists.items():
        if path in BOUNDED_BY_THE_OFFICE:
            continue
        params = {p["name"]: p for p in op.get("parameters", [])}
        limit = params.get("limit", {}).get("schema", {})
        if "cursor" not in params or limit.get("maximum", 10**9) > MAX_LIMIT:
            problems.append(path)
    assert not problems, f"lists without limit ≤ {MAX_LIMIT} and cursor: {problems}"


def test_paging_pages(office: Office) -> None:
    for _ in range(12):
        office.station.queue.issue("A")
    c = office.client()
    first = c.get("/api/tickets", params={"limit": 5})
    assert first.status_code == 200 and len(first.json()) == 5
    cursor = first.headers["x-next-cursor"]
    assert 'rel="next"' in first.headers["link"]
    second = c.get("/api/tickets", params={"limit": 5, "cursor": cursor})
    assert {t["id"] for t in first.json()}.isdisjoint({t["id"] for t in second.json()})
    seen = len(first.json()) + len(second.json())
    rest = c.get("/api/tickets", params={"limit": MAX_LIMIT, "cursor": seen})
    assert "x-next-cursor" not in rest.headers
    assert seen + len(rest.json()) == 14  # the two of the seed and twelve more
    for path in ("/api/tickets", "/api/stock/stale", "/api/stock/overdue", "/api/cases"):
        r = c.get(path, params={"limit": MAX_LIMIT + 1}, headers=office.headers("supervisor"))
        assert r.status_code == 422, (path, r.status_code)
