"""The small findings of issue 13 (Low 13) that are not elsewhere in tests/security/."""

from __future__ import annotations

from tests.security.conftest import Office


def test_a_page_with_a_bad_query_answers_a_page(office: Office) -> None:
    r = office.client().get("/reports", params={"date": "bad"}, headers=office.headers("supervisor"))
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
    assert "<h1>" in r.text and "date" in r.text
    api = office.client().get("/api/reports/daily", params={"date": "bad"}, headers=office.headers("supervisor"))
    assert api.status_code == 422 and api.headers["content-type"].startswith("application/json")


def test_days_outside_the_stations_life_are_refused(office: Office) -> None:
    c = office.client()
    h = office.headers("supervisor")
    for day in ("0001-01-01", "1999-12-31", "3000-01-01"):
        assert c.post("/api/end-of-day/close", json={"date": day}, headers=h).status_code == 422, day
        assert c.post("/api/cases/purge-day", json={"day": day}, headers=h).status_code == 422, day
        assert c.get("/api/reports/daily", params={"date": day}, headers=h).status_code == 422, day


def test_a_get_never_opens_a_case(office: Office) -> None:
    """`GET /counter/3/case` created a case (a GET that writes): now it answers a page that opens it by POST."""
    c = office.client()
    before = len(office.station.cases.list())
    r = c.get("/counter/1/case", headers=office.headers("clerk"), follow_redirects=False)
    assert r.status_code == 200 and 'id="case-open"' in r.text and "/static/js/case_open.js" in r.text
    assert len(office.station.cases.list()) == before
    opened = c.post("/api/cases", json={"counter_id": 1, "ticket_id": office.ids["own_ticket"]},
                    headers=office.headers("clerk"))
    assert opened.status_code == 201
    r = c.get("/counter/1/case", headers=office.headers("clerk"), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/counter/1/case/{opened.json()['id']}"
