"""The daemon killed with SIGKILL in the middle of 100 rapid presses: nothing reported is lost,
numbering continues with no duplicate and no gap."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from sqlalchemy import create_engine, select

from station.store.models import Ticket
from tests.support.daemon import Daemon

# A burst far faster than anyone at the kiosk: the per-terminal ticket limit would refuse most of it.
BURST = {"STATION_SECURITY__TICKET_RATE_PER_MINUTE": "0"}

def test_sigkill_mid_burst_loses_nothing(tmp_path: Path) -> None:
    d = Daemon(tmp_path / "data", env=BURST).start()
    reported: list[dict] = []
    lock = threading.Lock()
    killed = threading.Event()

    def press(i: int) -> None:
        if killed.is_set():
            return
        try:
            if i % 2:  # half through the real button (pty → driver), half through the kiosk API
                httpx.post(f"{d.url}/api/sim/button", json={"category": "A"}, timeout=5)
            else:
                r = httpx.post(f"{d.url}/api/tickets", json={"category": "A"}, timeout=5)
                if r.status_code == 201:
                    with lock:
                        reported.append(r.json())
        except httpx.HTTPError:
            pass  # the daemon is gone: this press was never reported issued
        if i == 60:
            d.kill()
            killed.set()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(press, range(100)))
    assert killed.is_set() and reported

    engine = create_engine(f"sqlite:///{tmp_path / 'data' / 'station.db'}")
    with engine.connect() as c:
        stored = {r.id: r.number for r in c.execute(select(Ticket.id, Ticket.number))}
    engine.dispose()
    for t in reported:  # every ticket the API reported is in the database, with that number
        assert stored[t["id"]] == t["number"]
    numbers = sorted(stored.values())
    assert numbers == [f"A{i:03d}" for i in range(1, len(numbers) + 1)]  # unique and gapless

    d2 = Daemon(tmp_path / "data", port=d.port, env=BURST).start()
    try:
        nxt = httpx.post(f"{d2.url}/api/tickets", json={"category": "A"}, timeout=5).json()
        assert nxt["number"] == f"A{len(numbers) + 1:03d}"
    finally:
        d2.stop()
