"""The JSON API contract (paths and fields external checks rely on), through FastAPI's test client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from station.app import Station
from station.clock import ManualClock
from web.app import create_app


@pytest.fixture
def client(station: Station) -> Iterator[TestClient]:
    with TestClient(create_app(station, manage_lifecycle=False)) as c:
        yield c


def test_health_and_catalog(client: TestClient) -> None:
    h = client.get("/api/health").json()
    assert h["status"] == "ok" and set(h["devices"]) == {"printer", "button", "card_reader", "scanner"}
    cats = client.get("/api/categories").json()
    assert [c["code"] for c in cats] == ["A", "B", "C", "D"]
    assert cats[0]["name_ja"] == "交付" and cats[0]["accepting"] is True
    counters = client.get("/api/counters").json()
    assert [c["id"] for c in counters] == [1, 2, 3] and counters[0]["state"] == "open"


def test_issue_call_and_walk_a_ticket_through(client: TestClient) -> None:
    r = client.post("/api/tickets", json={"category": "A"})
    assert r.status_code == 201
    t = r.json()
    assert {"id", "number", "category", "state", "issued_at", "waiting_ahead", "estimated_wait_min"} <= set(t)
    assert t["number"] == "A001" and t["state"] == "waiting" and "/t/" in t["status_url"]
    assert client.get("/api/tickets", params={"state": "waiting"}).json()[0]["id"] == t["id"]
    called = client.post("/api/counters/1/call-next")
    assert called.status_code == 200 and called.json()["id"] == t["id"] and called.json()["counter_id"] == 1
    assert client.post("/api/counters/1/call-next").status_code == 409  # must finish first
    assert client.post(f"/api/tickets/{t['id']}/recall").json()["recall_count"] == 1
    assert client.post(f"/api/tickets/{t['id']}/start").json()["state"] == "serving"
    assert client.post(f"/api/tickets/{t['id']}/finish").json()["state"] == "done"
    assert client.post("/api/counters/1/call-next").status_code == 204
    assert client.get("/api/counters/1").json()["handled_today"] == 1


def test_errors_are_japanese_and_english(client: TestClient, clock: ManualClock) -> None:
    r = client.post("/api/tickets", json={"category": "Z"})
    assert r.status_code == 422 and "受付区分" in r.json()["detail"]["message_ja"]
    r = client.post("/api/tickets", json={})
    assert r.status_code == 422 and r.json()["detail"]["message_en"].startswith("invalid input")
    assert client.get("/api/tickets/999").status_code == 404
    t = client.post("/api/tickets", json={"category": "A"}).json()
    r = client.post(f"/api/tickets/{t['id']}/finish")
    assert r.status_code == 409 and "できません" in r.json()["detail"]["message_ja"]
    clock.set(clock.now().replace(hour=20))
    r = client.post("/api/tickets", json={"category": "A"})
    assert r.status_code == 409
    assert r.json()["detail"]["message_ja"].startswith("本日の受付は終了しました")
    assert r.json()["detail"]["next_open"].startswith("2026-12-02T08:30")


def test_transfer_cancel_pause_resume(client: TestClient) -> None:
    a = client.post("/api/tickets", json={"category": "A"}).json()
    client.post("/api/counters/1/call-next")
    moved = client.post(f"/api/tickets/{a['id']}/transfer", json={"category": "D"}).json()
    assert moved["state"] == "waiting" and moved["category"] == "D" and moved["number"] == "A001"
    assert client.post(f"/api/tickets/{a['id']}/transfer", json={}).status_code == 422
    assert client.post("/api/counters/3/call-next").json()["id"] == a["id"]
    b = client.post("/api/tickets", json={"category": "B"}).json()
    assert client.post(f"/api/tickets/{b['id']}/cancel").json()["state"] == "cancelled"
    assert client.post("/api/counters/2/pause").json()["state"] == "paused"
    assert client.post("/api/counters/2/call-next").status_code == 409
    assert client.post("/api/counters/2/resume").json()["state"] == "open"


def test_unprinted_ticket_is_reported_and_reprint_refuses_without_printer(client: TestClient) -> None:
    t = client.post("/api/tickets", json={"category": "A"}).json()
    r = client.post(f"/api/tickets/{t['id']}/reprint")
    assert r.status_code == 200 and r.json()["printed"] is False
    assert r.json()["ticket"]["print_error"]


def test_sse_stream_delivers_events_and_resumes(station: Station) -> None:
    """The event stream, read from the async app directly: publish, receive, resume after an id."""
    import asyncio

    async def run() -> list[str]:
        got: list[str] = []
        agen = station.bus.subscribe(0)
        station.queue.issue("A")
        station.queue.call_next(1)
        async for env in agen:
            if env.event.name != "ticket_printed":  # the spooler's report comes whenever it is done
                got.append(env.event.name)
            if len(got) == 2:
                break
        await agen.aclose()
        resumed = [e.event.name for e in station.bus.since(1) if e.event.name != "ticket_printed"]
        assert resumed == ["ticket_called"]
        return got

    assert asyncio.run(run()) == ["ticket_issued", "ticket_called"]
