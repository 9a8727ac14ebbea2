"""Every route that returns personal data, as every role, checking the fields (issue 13, High 2, Medium 3).

Seeded: counter 2 has an issuance case with the notice scanned (the card's kana name and birth date reach the
case view), a case handed to city staff with a note holding a caller's name and number, a phone slip with a
caller's name. Then each route is called as anonymous, counter 1's clerk, counter 2's clerk, the supervisor,
city staff and the admin, and every answer is searched for every one of those strings:

- only who holds PERSONAL_DATA (a clerk, city staff) may ever see them — the supervisor sees counts and
  states, with the personal fields null, on every route that returns a case (the probe found `GET /api/cases`
  and the answer to `POST /api/cases` leaking what `GET /api/cases/1` refused);
- a clerk sees only their own counter's cases: counter 1's clerk reads, lists and opens none of counter 2's
  (phone slips and the card stock are the office's back-office work, which clerks do for every counter);
- every read of personal data leaves an audit entry (who, which id; never the data).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from station.clock import ManualClock
from station.domain.stock_csv import write_stock_csv
from station.services.audit import Actor
from tests.security.conftest import Office, start_office
from tests.support.backoffice_day import CARDS

CLERK2 = Actor("clerk-two")
NOTE = "ヒミツ　タナカ様 090-9999-0000"
CALLER = ("デンワ　ヒミツコ", "080-7777-1111")


@pytest.fixture
def seeded(tmp_path: Path, clock: ManualClock) -> Iterator[tuple[Office, dict[str, Any]]]:
    o = start_office(tmp_path, clock)
    st = o.station
    o.tokens["clerk2"] = st.auth.create_token("t-clerk2", "clerk", 2)[1]
    st.stock.import_bytes(write_stock_csv(CARDS[:2]), "day.csv", CLERK2)
    card = CARDS[1]
    for to in ("inspected", "mailed", "ready"):
        st.stock.transition(card.notice_no, to, CLERK2, **({"mailed_on": clock.now().date()} if to == "mailed" else {}))
    ticket = o.ids["other_ticket"]  # called at counter 2
    cid = st.cases.open(2, CLERK2, "issuance", ticket).id
    st.cases.scan_notice(cid, card.notice_no, CLERK2)
    handed = st.cases.open(2, CLERK2, "card_change").id
    st.cases.tick(handed, "explained", CLERK2)
    st.cases.tick(handed, "forms_filled", CLERK2)
    st.cases.complete(handed, None, CLERK2, note=NOTE)
    st.phone.record(1, CLERK2, content="申請書をなくした（ヒミツ）", escalation="preprint", caller_name=CALLER[0],
                    caller_phone=CALLER[1])
    hid = st.cases.handovers(("waiting", "taken"))[0].id
    secrets = [card.name_kana or "", card.birth_date.isoformat() if card.birth_date else "", "タナカ",
               "090-9999-0000", CALLER[0], CALLER[1], "ヒミツ"]
    yield o, {"case": cid, "handed": handed, "handover": hid, "notice": card.notice_no, "secrets": secrets,
              "ticket": ticket}
    st.stop()


WHO = (None, "clerk", "clerk2", "supervisor", "city_staff", "admin")
SEES_PERSONAL = {"clerk", "clerk2", "city_staff"}


def routes(ids: dict[str, Any]) -> list[tuple[str, str, dict[str, Any] | None]]:
    return [
        ("GET", "/api/cases", None),
        ("GET", "/api/cases?counter_id=2", None),
        ("GET", f"/api/cases/{ids['case']}", None),
        ("GET", f"/api/cases/{ids['handed']}", None),
        ("POST", "/api/cases", {"counter_id": 2, "ticket_id": ids["ticket"]}),
        ("POST", "/api/cases", {"ticket_id": ids["ticket"]}),
        ("GET", "/api/cases/awaiting-staff-check", None),
        ("GET", "/api/cases/collected", None),
        ("GET", "/api/handovers", None),
        ("GET", f"/api/handovers/{ids['handover']}", None),
        ("GET", "/api/phone/calls", None),
        ("GET", f"/api/stock/cards/{ids['notice']}", None),
        ("GET", "/api/end-of-day", None),
        ("GET", "/api/reports/daily", None),
        ("GET", "/api/audit", None),
        ("GET", "/api/events?since=0", None),
    ]


def test_personal_fields_only_for_who_may_see_them(seeded: tuple[Office, dict[str, Any]]) -> None:
    office, ids = seeded
    c = office.client()
    problems = []
    seen_by_staff = False
    for method, path, body in routes(ids):
        if path.startswith("/api/events"):
            continue  # an endless stream: tests/security/test_daemon_edges.py reads it
        for who in WHO:
            r = c.request(method, path, headers=office.headers(who), json=body)
            leaked = [s for s in ids["secrets"] if s and s in r.text]
            if r.status_code >= 500:
                problems.append(f"{method} {path} as {who}: {r.status_code}")
            if leaked and who not in SEES_PERSONAL:
                problems.append(f"{method} {path} as {who or 'anonymous'}: {r.status_code} shows {leaked}")
            if leaked and who == "clerk" and path.startswith(("/api/cases", "/api/handovers")):
                # counter 1's clerk: nothing of counter 2's cases (phone slips and the card stock are the
                # office's back-office work, not a counter's)
                problems.append(f"{method} {path} as counter 1's clerk: {r.status_code} shows {leaked}")
            seen_by_staff |= bool(leaked) and who == "city_staff"
            if r.status_code < 300 and r.headers.get("cache-control") != "no-store":
                problems.append(f"{method} {path} as {who}: cacheable")
    assert seen_by_staff  # the strings are really there for who may see them
    assert not problems, "\n".join(problems)


def test_the_supervisor_sees_states_not_contents(seeded: tuple[Office, dict[str, Any]]) -> None:
    office, ids = seeded
    c = office.client()
    h = office.headers("supervisor")
    listed = c.get("/api/cases", headers=h).json()
    assert {x["id"] for x in listed} >= {ids["case"], ids["handed"]}
    for x in listed:
        assert x["record"] is None and x["verdict"] is None and x["presented"] is None
        assert x["handover"] is None or x["handover"]["note"] is None
        assert x["state"] and x["procedure"]
    r = c.post("/api/cases", json={"ticket_id": ids["ticket"]}, headers=h)
    assert r.status_code in (200, 201) and r.json()["record"] is None
    # the clerk of counter 2 sees the record (the positive control)
    mine = c.get(f"/api/cases/{ids['case']}", headers=office.headers("clerk2")).json()
    assert mine["record"] is not None


def test_a_clerk_reads_and_acts_on_their_own_counters_cases_only(seeded: tuple[Office, dict[str, Any]]) -> None:
    office, ids = seeded
    c = office.client()
    h = office.headers("clerk")
    assert c.get(f"/api/cases/{ids['case']}", headers=h).status_code == 403
    assert c.get("/api/cases?counter_id=2", headers=h).status_code == 403
    assert all(x["counter_id"] in (1, None) for x in c.get("/api/cases", headers=h).json())
    assert c.post(f"/api/cases/{ids['case']}/cancel", headers=h).status_code == 403
    assert c.post("/api/cases", json={"ticket_id": ids["ticket"]}, headers=h).status_code == 403
    assert c.post("/api/cases", json={"counter_id": 2}, headers=h).status_code == 403
    page = c.get(f"/counter/1/case/{ids['case']}", headers=h, follow_redirects=False)
    assert page.status_code == 403
    assert c.get(f"/api/cases/{ids['case']}", headers=office.headers("clerk2")).status_code == 200


def test_reads_of_personal_data_are_audited(seeded: tuple[Office, dict[str, Any]]) -> None:
    office, ids = seeded
    c = office.client()
    c.get(f"/api/cases/{ids['case']}", headers=office.headers("clerk2"))
    c.get(f"/api/stock/cards/{ids['notice']}", headers=office.headers("clerk2"))
    c.get("/api/phone/calls", headers=office.headers("city_staff"))
    c.get(f"/api/handovers/{ids['handover']}", headers=office.headers("city_staff"))
    entries = c.get("/api/audit", params={"action": "personal.read"}, headers=office.headers("supervisor")).json()
    got = {(e["action"], e["actor"], e["target"]) for e in entries}
    assert ("personal.read.case", "token:t-clerk2", f"case_id={ids['case']}") in got, got
    assert any(a == "personal.read.card" and who == "token:t-clerk2" for a, who, _ in got), got
    assert any(a == "personal.read.phone_calls" and who == "token:t-staff" for a, who, _ in got), got
    assert ("personal.read.handover", "token:t-staff", f"handover_id={ids['handover']}") in got, got
    for e in entries:  # never the data
        assert not any(s and s in f"{e['target']} {e['detail']}" for s in ids["secrets"]), e
