"""Live events for the screens, as Server-Sent Events with resume from `Last-Event-ID`.

A plain streaming response writing frames the bus encoded once per event: fifty waiting-room screens
and panels get each call with one socket write apiece, and no per-client serialisation or task hops
(FastAPI's own SSE response costs several per event; see bench/display_fanout.py)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse

from web import security
from web.deps import StationDep

router = APIRouter(prefix="/api", tags=["events"])

# What the screens open to anyone show (display, kiosk, the visitor's status page): numbers, counters,
# device lights, configuration reloads. Scans (notice numbers), card reads (expiry dates, verdicts), cases
# and handovers go only to a logged-in stream (issue 13, Low 12).
PUBLIC_EVENTS = frozenset({"ticket_issued", "ticket_called", "ticket_state_changed", "ticket_printed",
                           "counter_state_changed", "device_status_changed", "config_changed",
                           # the kiosk shows a booking's check-in at the scanner: outcome and number only (issue 15)
                           "reservation_checked_in"})
# The simulator page on this PC (open without login there) also follows the simulated card slot.
SIMULATOR_EVENTS = PUBLIC_EVENTS | {"card_inserted", "card_removed"}


def visible_events(request: Request) -> frozenset[str] | None:
    """The event names this stream may carry; None = all (a session or token, or logins switched off)."""
    station = request.app.state.station
    if security.current_user(request) is not None or not station.settings.security.require_login:
        return None
    return SIMULATOR_EVENTS if station.simulated and security.is_local(request) else PUBLIC_EVENTS

KEEPALIVE_SECONDS = 15.0  # a comment line this often keeps proxies from closing an idle stream
PING = b": ping\n\n"


@router.get("/events", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}, "description": "an endless event stream"}})
async def events(
    request: Request,
    station: StationDep,
    last_event_id: str | None = Header(None),
    since: int | None = Query(None, ge=0, le=2**62, description="resume after this sequence number"),
) -> StreamingResponse:
    """Every event (ticket issued/called/state, counters, devices, card, scans, configuration) as it happens;
    without a login only what the public screens show (PUBLIC_EVENTS).

    A client that reconnects sends Last-Event-ID (browsers do this by themselves) and first receives
    what it missed. A `hello` event tells a fresh client the current sequence number.
    """
    resume = since
    allowed = visible_events(request)
    if last_event_id and last_event_id.isdigit():
        resume = int(last_event_id)

    async def stream() -> AsyncIterator[bytes]:
        hello = json.dumps({"seq": station.bus.last_seq})
        yield f"retry: 1000\nevent: hello\ndata: {hello}\n\n".encode()
        async for env in station.bus.subscribe(resume, keepalive=KEEPALIVE_SECONDS):
            if env is None:
                yield PING
            elif allowed is None or env.event.name in allowed:
                yield env.sse_bytes

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
