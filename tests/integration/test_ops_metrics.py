"""`/metrics` after a scripted morning: tickets issued and called per category, waiting now, call-next's
histogram, print outcomes, devices, the database pool, event-stream clients; on PostgreSQL the event lag."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from station.app import Station
from station.events import Envelope, TicketPrinted
from web.app import create_app


def scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    out = {}
    for fam in text_string_to_metric_families(r.text):
        for s in fam.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


class Prints:
    """Waits for the print spooler's outcomes (it prints after the answer, in its own thread)."""

    def __init__(self, st: Station) -> None:
        self.n = 0
        self.cond = threading.Condition()
        st.bus.add_listener(self._on)

    def _on(self, env: Envelope) -> None:
        if isinstance(env.event, TicketPrinted):
            with self.cond:
                self.n += 1
                self.cond.notify_all()

    def wait_for(self, n: int) -> None:
        with self.cond:
            assert self.cond.wait_for(lambda: self.n >= n, 10), self.n


@pytest.fixture
def client(any_station: Station) -> Iterator[TestClient]:
    with TestClient(create_app(any_station, manage_lifecycle=False)) as c:
        yield c


def test_metrics_after_a_scripted_morning(any_station: Station, client: TestClient) -> None:
    st = any_station
    prints = Prints(st)
    issued = {"A": 5, "B": 3, "C": 2, "D": 1}
    for cat, n in issued.items():
        for _ in range(n):
            assert client.post("/api/tickets", json={"category": cat}).status_code == 201
    called = []
    for counter in (1, 2, 3):  # each counter calls one visitor and serves them
        r = client.post(f"/api/counters/{counter}/call-next")
        assert r.status_code == 200
        called.append(r.json())
    client.post(f"/api/tickets/{called[0]['id']}/recall")
    for t in called:
        client.post(f"/api/tickets/{t['id']}/start")
        client.post(f"/api/tickets/{t['id']}/finish")
    prints.wait_for(sum(issued.values()))

    m = scrape(client)
    for cat, n in issued.items():
        assert m[("station_tickets_issued_total", (("category", cat),))] == n
    calls = {k: v for k, v in m.items() if k[0] == "station_tickets_called_total"}
    assert sum(calls.values()) == 4  # three calls and one recall
    assert m[("station_tickets_called_total", (("category", called[0]["category"]), ("counter", "1"),
                                                ("recall", "yes")))] == 1
    waiting_now = {c: issued[c] - sum(1 for t in called if t["category"] == c) for c in issued}
    for cat, n in waiting_now.items():
        assert m[("station_waiting", (("category", cat),))] == n
    assert m[("station_call_next_seconds_count", (("outcome", "called"),))] == 3
    assert m[("station_call_next_seconds_bucket", (("le", "+Inf"), ("outcome", "called")))] == 3
    assert m[("station_ticket_prints_total", (("outcome", "failed"),))] == sum(issued.values())  # no printer here
    assert m[("station_device_up", (("device", "printer"),))] == 0
    assert m[("station_database_up", ())] == 1
    assert m[("station_db_pool_checked_out", ())] >= 0 and ("station_db_pool_size", ()) in m
    assert m[("station_event_stream_clients", ())] == 0
    route = "/api/tickets"
    assert m[("station_http_request_duration_seconds_count", (("method", "POST"), ("route", route),
                                                              ("status", "201")))] == 11
    lag = m.get(("station_event_lag_seconds_count", ()), 0)
    if st.event_transport is not None:  # PostgreSQL: every event made the round trip between daemons
        assert lag >= 11
    else:
        assert lag == 0
    assert not any("token" in k[0] or "name" in dict(k[1]) for k in m)  # nothing about visitors


def test_metrics_are_lan_only(any_station: Station) -> None:
    """Like every route: a client outside [server] allow_networks (loopback here) is refused."""
    app = create_app(any_station, manage_lifecycle=False)
    with TestClient(app, client=("192.0.2.7", 50000)) as c:
        assert c.get("/metrics").status_code == 403
    with TestClient(app, client=("127.0.0.1", 50000)) as c:
        assert c.get("/metrics").status_code == 200


def test_event_stream_clients_are_counted_while_connected(station: Station) -> None:
    from fastapi import FastAPI
    from fastapi.responses import StreamingResponse

    from station.ops.metrics import StationMetrics
    from web.routers.metrics import _Timing

    metrics = StationMetrics(station)
    app = FastAPI()
    app.add_middleware(_Timing, metrics=metrics)
    during: list[float | None] = []

    @app.get("/api/events")
    def events() -> StreamingResponse:
        def stream() -> Iterator[str]:
            during.append(metrics.registry.get_sample_value("station_event_stream_clients"))
            yield "data: {}\n\n"

        return StreamingResponse(stream(), media_type="text/event-stream")

    with TestClient(app) as c:
        assert c.get("/api/events").status_code == 200
    assert during == [1.0] and metrics.registry.get_sample_value("station_event_stream_clients") == 0
    assert metrics.registry.get_sample_value("station_http_request_duration_seconds_count",
                                             {"method": "GET", "route": "/api/events", "status": "200"}) is None
