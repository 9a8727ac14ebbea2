"""What `/metrics` tells Prometheus about one daemon, in its text format (prometheus-client).

Two kinds of figures:
- counted as they happen: tickets issued, called and printed (from the event bus, which on PostgreSQL
  carries every daemon's events, so each daemon counts the whole office since it started: read one
  daemon, or `max()` across them, never `sum()`), API latency per route and call-next's own histogram
  (this daemon's requests), the event lag between daemons (PostgreSQL), live event-stream clients;
- read when scraped: visitors waiting now per category and the oldest wait, device health, the
  database pool, the clock's offset from the database server (station.ops.clock).

Nothing personal: categories, counters, device kinds and route templates are the only labels.
Each app has its own registry, so several stations in one test process do not share figures.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector

from station.events import Envelope, TicketCalled, TicketIssued, TicketPrinted

if TYPE_CHECKING:
    from station.app import Station

__all__ = ["CONTENT_TYPE_LATEST", "StationMetrics"]

# Call-next answers in a few milliseconds on one PC and tens under an office's load (README figures).
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0)
LAG_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
CALL_NEXT_ROUTE = "/api/counters/{counter_id}/call-next"
STREAM_ROUTES = frozenset({"/api/events"})  # long-lived: counted as clients, not timed


class StationMetrics:
    """The registry of one daemon; `observe_request` and `stream_opened/closed` are called by the web layer."""

    def __init__(self, station: Station) -> None:
        self.station = station
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.issued = Counter("station_tickets_issued", "Tickets issued (office-wide on PostgreSQL)",
                              ["category"], registry=r)
        self.called = Counter("station_tickets_called", "Visitors called, recalls included",
                              ["category", "counter", "recall"], registry=r)
        self.prints = Counter("station_ticket_prints", "Ticket print outcomes", ["outcome"], registry=r)
        self.requests = Histogram("station_http_request_duration_seconds", "API and page answer time",
                                  ["method", "route", "status"], buckets=LATENCY_BUCKETS, registry=r)
        self.call_next = Histogram("station_call_next_seconds", "Call-next answer time at this daemon",
                                   ["outcome"], buckets=LATENCY_BUCKETS, registry=r)
        self.event_lag = Histogram("station_event_lag_seconds",
                                   "From an event's time to its delivery here (PostgreSQL: between daemons)",
                                   buckets=LAG_BUCKETS, registry=r)
        self.stream_clients = Gauge("station_event_stream_clients", "Live event streams (screens, panels) open",
                                    registry=r)
        self.started = Gauge("station_start_time_seconds", "When this daemon started (Unix time)", registry=r)
        self.started.set(time.time())
        r.register(_ScrapeCollector(station))
        station.bus.add_listener(self._on_event)

    def _on_event(self, env: Envelope) -> None:
        """Runs in the publisher's thread for every event: a dictionary lookup and an increment."""
        e = env.event
        if isinstance(e, TicketIssued):
            self.issued.labels(e.category).inc()
        elif isinstance(e, TicketCalled):
            self.called.labels(e.category, str(e.counter_id), "yes" if e.recall else "no").inc()
        elif isinstance(e, TicketPrinted):
            self.prints.labels("printed" if e.printed else "failed").inc()
        if self.station.event_transport is not None:
            lag = (self.station.clock.now() - e.at).total_seconds()
            self.event_lag.observe(max(lag, 0.0))

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        if route in STREAM_ROUTES:
            return
        self.requests.labels(method, route, str(status)).observe(seconds)
        if route == CALL_NEXT_ROUTE and method == "POST":
            outcome = "called" if status == 200 else "nobody" if status == 204 else "refused"
            self.call_next.labels(outcome).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _ScrapeCollector(Collector):
    """Figures read at scrape time (a scrape every 15-60 s costs one grouped query and a few lookups)."""

    def __init__(self, station: Station) -> None:
        self.station = station

    def collect(self) -> Iterator[Any]:
        st = self.station
        waiting = GaugeMetricFamily("station_waiting", "Visitors waiting now", labels=["category"])
        oldest = GaugeMetricFamily("station_oldest_wait_minutes", "The longest wait now", labels=["category"])
        accepting = GaugeMetricFamily("station_dispenser_accepting", "1 when the dispenser issues this category",
                                      labels=["category"])
        try:
            for c in st.queue.categories_status():
                waiting.add_metric([c.code], c.waiting)
                oldest.add_metric([c.code], c.oldest_wait_min)
                accepting.add_metric([c.code], 1 if c.accepting else 0)
            db_up = 1
        except Exception:  # the database is away: say so instead of failing the whole scrape
            db_up = 0
        yield from (waiting, oldest, accepting)
        yield GaugeMetricFamily("station_database_up", "1 when the last scrape could read the database", value=db_up)

        up = GaugeMetricFamily("station_device_up", "1 when the device works (ok or degraded)", labels=["device"])
        health = GaugeMetricFamily("station_device_health", "The device's health, one-hot",
                                   labels=["device", "health"])
        for kind, status in st.devices.statuses().items():
            h = str(status.health.value if hasattr(status.health, "value") else status.health)
            up.add_metric([str(kind)], 1 if h in ("ok", "degraded") else 0)
            for name in ("ok", "degraded", "down", "unknown"):
                health.add_metric([str(kind), name], 1 if h == name else 0)
        yield up
        yield health

        pool = st.engine.pool
        for name, what, fn in (("size", "connections kept", "size"), ("checked_out", "in use", "checkedout"),
                               ("overflow", "beyond the kept size", "overflow")):
            get = getattr(pool, fn, None)
            if callable(get):
                yield GaugeMetricFamily(f"station_db_pool_{name}", f"Database pool: {what}", value=float(get()))

        check = getattr(st, "clock_check", None)
        if check is not None and check.last is not None:
            yield GaugeMetricFamily("station_clock_offset_seconds",
                                    "This PC's clock minus the database server's (last check)",
                                    value=check.last.offset_seconds)
