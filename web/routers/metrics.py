"""`GET /metrics`: Prometheus' text format (station.ops.metrics), LAN-only like every route; and the
request-id middleware (station.ops.logs), installed with it as the daemon's operations plumbing.

The timing middleware is plain ASGI (not BaseHTTPMiddleware) so event streams pass through untouched;
it reads the matched route's template after routing, so labels never carry ids from the path."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, FastAPI, Request, Response

from station.ops.logs import RequestIdMiddleware
from station.ops.metrics import CONTENT_TYPE_LATEST, STREAM_ROUTES, StationMetrics

if TYPE_CHECKING:
    from station.app import Station

router = APIRouter(tags=["health"])


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    return Response(request.app.state.metrics.render(), media_type=CONTENT_TYPE_LATEST)


class _Timing:
    def __init__(self, app: Any, metrics: StationMetrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        streaming = scope.get("path") in STREAM_ROUTES
        if streaming:
            self.metrics.stream_clients.inc()

        async def send_status(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            if streaming:
                self.metrics.stream_clients.dec()
            route = getattr(scope.get("route"), "path", None)
            if route is not None:
                self.metrics.observe_request(scope["method"], route, status, time.perf_counter() - started)


def install(app: FastAPI, station: Station) -> None:
    """/metrics, its timing middleware, and (outermost, so even a refused request has one) request ids."""
    app.state.metrics = StationMetrics(station)
    app.add_middleware(_Timing, metrics=app.state.metrics)
    app.add_middleware(RequestIdMiddleware)
    app.include_router(router)
