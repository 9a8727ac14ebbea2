"""Live events for the screens, as Server-Sent Events with resume from `Last-Event-ID`."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import APIRouter, Header, Query
from fastapi.sse import EventSourceResponse, ServerSentEvent

from web.deps import StationDep

router = APIRouter(prefix="/api", tags=["events"])


@router.get("/events", response_class=EventSourceResponse)
async def events(
    station: StationDep,
    last_event_id: str | None = Header(None),
    since: int | None = Query(None, ge=0, description="resume after this sequence number"),
) -> AsyncIterator[ServerSentEvent]:
    """Every event (ticket issued/called/state, counters, devices, card, scans) as it happens.

    A client that reconnects sends Last-Event-ID (browsers do this by themselves) and first receives
    what it missed. A `hello` event tells a fresh client the current sequence number.
    """
    resume = since
    if last_event_id and last_event_id.isdigit():
        resume = int(last_event_id)
    yield ServerSentEvent(event="hello", data={"seq": station.bus.last_seq}, retry=1000)
    async for env in station.bus.subscribe(resume):
        yield ServerSentEvent(event=env.event.name, id=str(env.seq), raw_data=env.data_json)
