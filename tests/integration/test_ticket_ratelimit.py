"""POST /api/tickets is limited per client address (the kiosk may not flood the queue); the dispenser button
and authenticated callers are not. On SQLite and PostgreSQL, through the real app."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from station.app import Station
from station.clock import ManualClock
from web import ratelimit
from web.app import create_app

LIMIT = 3


@pytest.fixture
def app(any_station: Station) -> Iterator[object]:
    any_station.settings.security.ticket_rate_per_minute = LIMIT
    any_station.settings.server.allow_networks = [*any_station.settings.server.allow_networks, "192.168.10.0/24"]
    yield create_app(any_station, manage_lifecycle=False)


def kiosk(app: object, address: str = "192.168.10.21") -> TestClient:
    return TestClient(app, client=(address, 50000))  # type: ignore[arg-type]


def issue(c: TestClient, **kw: object):  # type: ignore[no-untyped-def]
    return c.post("/api/tickets", json={"category": "A"}, **kw)


def test_the_kiosk_is_refused_past_the_limit_then_allowed_again(app: object, clock: ManualClock) -> None:
    c = kiosk(app)
    assert [issue(c).status_code for _ in range(LIMIT)] == [201] * LIMIT
    r = issue(c)
    assert r.status_code == 429
    detail = r.json()["detail"]
    assert "しばらく発行できません" in detail["message_ja"] and detail["message_en"]
    assert detail["retry_after_s"] == 60 and r.headers["retry-after"] == "60"
    clock.advance(seconds=30)
    assert issue(c).status_code == 429  # the window slides: still three in the last minute
    clock.advance(seconds=30, microseconds=1)
    assert issue(c).status_code == 201


def test_a_refused_ticket_takes_no_number(app: object, any_station: Station) -> None:
    c = kiosk(app)
    numbers = [issue(c).json()["number"] for _ in range(LIMIT)]
    assert issue(c).status_code == 429
    assert any_station.queue.issue("A").number == f"A{LIMIT + 1:03d}"  # no gap: the refusal issued nothing
    assert numbers == [f"A{i:03d}" for i in range(1, LIMIT + 1)]


def test_each_client_address_has_its_own_count(app: object) -> None:
    a, b = kiosk(app, "192.168.10.21"), kiosk(app, "192.168.10.22")
    for _ in range(LIMIT):
        assert issue(a).status_code == 201
    assert issue(a).status_code == 429
    assert issue(b).status_code == 201


def test_the_dispenser_button_is_not_limited(app: object, any_station: Station) -> None:
    c = kiosk(app)
    for _ in range(LIMIT):
        issue(c)
    assert issue(c).status_code == 429
    assert any_station.devices.on_button is not None
    for _ in range(LIMIT + 2):  # the button box's path: station.devices → QueueService.issue, no HTTP
        assert any_station.devices.on_button("B").number.startswith("B")


def test_authenticated_callers_are_not_limited(app: object, any_station: Station) -> None:
    _, secret = any_station.auth.create_token("office-script", "supervisor")
    c = kiosk(app)
    codes = [issue(c, headers={"Authorization": f"Bearer {secret}"}).status_code for _ in range(LIMIT + 2)]
    assert codes == [201] * (LIMIT + 2)


def test_429_is_documented(app: object) -> None:
    spec = kiosk(app).get("/openapi.json").json()
    assert "429" in spec["paths"]["/api/tickets"]["post"]["responses"]


def test_the_window_forgets_idle_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import datetime

    from station.domain.timezone import TOKYO

    monkeypatch.setattr(ratelimit, "MAX_CLIENTS", 3)
    w = ratelimit.SlidingWindow()
    t0 = datetime(2026, 12, 1, 10, 0, tzinfo=TOKYO)
    for i in range(3):
        assert w.hit(f"10.0.0.{i}", 1, t0) is None
    assert w.hit("10.0.0.9", 1, t0 + timedelta(minutes=2)) is None  # the three idle ones are dropped
    assert w.hit("10.0.0.0", 1, t0 + timedelta(minutes=2)) is None
