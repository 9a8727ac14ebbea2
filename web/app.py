"""The FastAPI application: JSON API under /api, the screens, static assets. No CDN: all served here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import anyio.to_thread
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from web import errors, security
from web.routers import admin, audit, auth, counters, events, health, stock, tickets

if TYPE_CHECKING:
    from station.app import Station

STATIC_DIR = Path(__file__).resolve().parent / "static"


def create_app(station: Station, manage_lifecycle: bool = True) -> FastAPI:
    """Build the app around a composed Station; with `manage_lifecycle` it starts and stops it."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # FastAPI runs plain `def` routes in anyio's worker threads (40 by default).
        anyio.to_thread.current_default_thread_limiter().total_tokens = station.settings.server.worker_threads
        if manage_lifecycle:
            station.start()
        try:
            yield
        finally:
            if manage_lifecycle:
                station.stop()

    app = FastAPI(
        title="station — マイナンバーカード窓口",
        summary="Counter station API: tickets, calling, devices",
        lifespan=lifespan,
    )
    app.state.station = station
    errors.install(app)
    security.install(app, station)  # before any router: its check applies to routes included after it
    for r in (health.router, tickets.router, counters.router, events.router, auth.router, audit.router,
              stock.router, admin.router):
        app.include_router(r)
    from web.routers import case_pages, cases, pages

    app.include_router(cases.router)  # counter cases and the city-staff handover queue (issue 7)
    from web.routers import phone, reports  # phone desk, reports, end of day (issue 8)
    app.include_router(phone.router)
    app.include_router(reports.router)
    from web.routers import stock_print  # A4 sheets of the back office (issue 14)

    app.include_router(stock_print.router)
    from web.routers import followup  # city staff's follow-through (issue 14)

    app.include_router(followup.router)
    from web.routers import busy  # busy-time mode (issue 14)

    app.include_router(busy.router)
    from web.routers import metrics  # /metrics for Prometheus (issue 18)
    metrics.install(app, station)

    from web.routers import reservation_pages, reservations  # reservations, congestion page (issue 15)

    app.include_router(reservations.router)
    app.include_router(reservation_pages.router)

    from web.routers import manual  # the operating manual (issue 16)
    app.include_router(manual.router)
    if station.simulated:
        from web.routers import sim

        app.include_router(sim.router)
    app.include_router(pages.router)
    app.include_router(case_pages.router)
    STATIC_DIR.mkdir(exist_ok=True)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
