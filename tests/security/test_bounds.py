"""Bounded input (issue 13, Medium 5 and 7): every integer the API takes has a maximum the database can hold,
and every list pages with a bounded limit.

`POST /api/cases {"ticket_id": 100000000000000000000}` was an OverflowError (500): the body's integer had no
bound, so it reached SQLite. The schema is the contract: here every integer in a path, query or JSON body of
the OpenAPI document must state a maximum within 32 bits (what SQLite and PostgreSQL ids are), and then the
huge value is sent to each of them for real (tests/faults/test_fuzz_api.py also sends 2**31, 2**63, 2**70).
"""

from __future__ import annotations

from typing import Any

from tests.security.conftest import Office

INT32 = 2**31 - 1
WIDER = {"GET /api/events query:since": 2**63 - 1}  # the event sequence is a 64-bit column, not a row id


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = spec["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _ints(spec: dict[str, Any], node: dict[str, Any], where: str) -> list[tuple[str, dict[str, Any]]]:
    node = _resolve(spec, node)
    out: list[tuple[str, dict[str, Any]]] = []
    if node.get("type") == "integer":
        out.append((where, node))
    for alt in node.get("anyOf", []) + node.get("oneOf", []) + node.get("allOf", []):
        out += _ints(spec, alt, where)
    for name, prop in node.get("properties", {}).items():
        out += _ints(spec, prop, f"{where}.{name}")
    if "items" in node:
        out += _ints(spec, node["items"], f"{where}[]")
    return out


def request_integers(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            label = f"{method.upper()} {path}"
            for p in op.get("parameters", []):
                found += _ints(spec, p.get("schema", {}), f"{label} {p['in']}:{p['name']}")
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if body:
                found += _ints(spec, body, f"{label} body")
    return found


def test_every_integer_the_api_takes_is_bounded(office: Office) -> None:
    spec = office.app.openapi()
    ints = request_integers(spec)
    assert len(ints) > 20
    unbounded = [w for w, n in ints if n.get("maximum", n.get("exclusiveMaximum", 2**64)) > WIDER.get(w, INT32)]
    assert not unbounded, "\n".join(unbounded)
    no_floor = [w for w, n in ints if "minimum" not in n and "exclusiveMinimum" not in n]
    assert not no_floor, "\n".join(no_floor)


def test_the_huge_ticket_id_of_the_probe_is_a_422(office: Office) -> None:
    c = office.client()
    for who in ("clerk", "supervisor", "city_staff"):
        r = c.post("/api/cases", json={"ticket_id": 100000000000000000000}, headers=office.headers(who))
        assert r.status_code in (403, 422), (who, r.status_code, r.text)
