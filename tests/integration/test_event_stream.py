"""The screens' event stream over real HTTP from a real daemon: frames, resume, keepalive."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from station.app import Station
from tests.support.daemon import Daemon

NO_DEVICES = {f"STATION_DEVICES__{d}__CONNECTION": "none" for d in ("PRINTER", "BUTTON", "SCANNER", "CARD_READER")}


def frames(lines: Iterator[str]) -> Iterator[dict[str, str]]:
    """Parse SSE lines into frames ({'id', 'event', 'data'}; comments as {'comment'})."""
    frame: dict[str, str] = {}
    for line in lines:
        if line == "":
            if frame:
                yield frame
            frame = {}
        elif line.startswith(":"):
            yield {"comment": line[1:].strip()}
        else:
            key, _, value = line.partition(":")
            frame[key] = value.removeprefix(" ")


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    d = Daemon(tmp_path / "data", simulate=False, env=NO_DEVICES).start()
    yield d
    d.stop()


def test_stream_sends_frames_and_resumes_after_last_event_id(daemon: Daemon) -> None:
    headers = daemon.supervisor_headers()
    with httpx.stream("GET", f"{daemon.url}/api/events", timeout=10) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        it = frames(r.iter_lines())
        hello = next(it)
        assert hello["event"] == "hello" and hello["retry"] == "1000"
        first = httpx.post(f"{daemon.url}/api/tickets", json={"category": "A"}, headers=headers).json()
        second = httpx.post(f"{daemon.url}/api/tickets", json={"category": "B"}, headers=headers).json()
        issued = []
        while len(issued) < 2:
            f = next(it)
            if f.get("event") == "ticket_issued":
                issued.append(f)
    assert [json.loads(f["data"])["number"] for f in issued] == [first["number"], second["number"]]
    assert int(issued[1]["id"]) > int(issued[0]["id"])
    # A browser reconnecting sends the last id it saw: it gets what came after, nothing before.
    with httpx.stream("GET", f"{daemon.url}/api/events", headers={"Last-Event-ID": issued[0]["id"]},
                      timeout=10) as r:
        it = frames(r.iter_lines())
        assert next(it)["event"] == "hello"
        replay = next(f for f in it if f.get("event") == "ticket_issued")
    assert replay["id"] == issued[1]["id"] and json.loads(replay["data"])["number"] == second["number"]


def test_idle_subscription_yields_keepalives(station: Station) -> None:
    """No event for a while: the subscriber still wakes (the stream writes a comment), then events flow."""

    async def run() -> list[str]:
        agen = station.bus.subscribe(None, keepalive=0.05)
        got = []
        first = await asyncio.wait_for(agen.__anext__(), timeout=10)
        got.append("ping" if first is None else first.event.name)
        station.queue.issue("A")
        while "ticket_issued" not in got:
            env = await asyncio.wait_for(agen.__anext__(), timeout=10)
            got.append("ping" if env is None else env.event.name)
        await agen.aclose()
        return got

    got = asyncio.run(run())
    assert got[0] == "ping" and got[-1] == "ticket_issued"
