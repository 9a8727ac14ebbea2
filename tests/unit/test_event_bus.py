"""The in-process event bus: every event published reaches the screens, from any number of threads."""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from station.events import EventBus, TicketPrinted

THREADS = 4
PER_THREAD = 10_000


@pytest.fixture
def busy_switching() -> Iterator[None]:
    """Switch threads as often as the interpreter can, so a gap between two steps of publish is hit."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def publish_from_threads(bus: EventBus) -> None:
    start = threading.Barrier(THREADS)

    def publish(worker: int) -> None:
        start.wait()
        for i in range(PER_THREAD):
            bus.publish(TicketPrinted(at=datetime.now(UTC), ticket_id=worker * PER_THREAD + i, number="A001",
                                      printed=False))

    threads = [threading.Thread(target=publish, args=(w,)) for w in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


@pytest.mark.usefixtures("busy_switching")
def test_concurrent_publishers_lose_no_event() -> None:
    bus = EventBus(buffer_size=THREADS * PER_THREAD)
    publish_from_threads(bus)
    envs = bus.since(0)
    assert [e.seq for e in envs] == list(range(1, THREADS * PER_THREAD + 1))
    assert len({e.event.ticket_id for e in envs}) == THREADS * PER_THREAD  # type: ignore[attr-defined]


@pytest.mark.usefixtures("busy_switching")
async def test_a_subscriber_gets_every_event_in_order() -> None:
    bus = EventBus(buffer_size=THREADS * PER_THREAD, queue_size=THREADS * PER_THREAD)
    got: list[int] = []
    it = bus.subscribe(None)  # live events only: nothing from the buffer

    async def listen() -> None:
        async for env in it:
            assert env is not None
            got.append(env.seq)
            if len(got) == THREADS * PER_THREAD:
                return

    task = asyncio.create_task(listen())
    while not bus._subscribers:  # the subscription is in place before anything is published
        await asyncio.sleep(0)
    await asyncio.to_thread(publish_from_threads, bus)
    await asyncio.wait_for(task, 10)
    assert got == list(range(1, THREADS * PER_THREAD + 1))
