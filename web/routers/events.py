"""Live events for the screens, as Server-Sent Events with resume from `Last-Event-ID`.

A plain streaming response writing frames the bus encoded once per event: fifty waiting-room screens
and panels get each call with one socket write apiece, and no per-client serialisation or task hops
(FastAPI's own SSE response costs several per event; see bench/display_fanout.py)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, Header, Query
from fastapi.responses import StreamingResponse

from web.deps import StationDep

router = APIRouter(prefix="/api", tags=["events"])

KEEPALIVE_SECONDS = 15.0  # a comment line this often keeps proxies from closing an idle stream
PING = b": ping\n\n"


@router.get("/events", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}, "description": "an endless event stream"}})
async def events(
    station: StationDep,
    last_event_id: str | None = Header(None),
    since: int | None = Query(None, ge=0, description="resume after this sequence number"),
) -> StreamingResponse:
    """Every event (ticket issued/called/state, counters, devices, card, scans, configuration) as it happens.

    A client that reconnects sends Last-Event-ID (browsers do this by themselves) and first receives
    what it missed. A `hello` event tells a fresh client the current sequence number.
    """
    resume = since
    if last_event_id and last_event_id.isdigit():
        resume = int(last_event_id)

    async def stream() -> AsyncIterator[bytes]:
        hello = json.dumps({"seq": station.bus.last_seq})
        yield f"retry: 1000\nevent: hello\ndata: {hello}\n\n".encode()
        async for env in station.bus.subscribe(resume, keepalive=KEEPALIVE_SECONDS):
            yield PING if env is None else env.sse_bytes

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
