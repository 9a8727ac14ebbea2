"""A whole office on one PostgreSQL: several daemons, faults, and the queue still behaves as one."""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, select

from station.store.models import AuditEntry, Ticket
from tests.conftest import EXAMPLE_CONFIG, _clean_pg
from tests.support.daemon import Daemon

SECONDS = float(os.environ.get("STATION_FAULT_SECONDS", "60"))


# Bursts far faster than anyone at the kiosk: the per-terminal ticket limit would refuse most of them.
BURST = {"STATION_SECURITY__TICKET_RATE_PER_MINUTE": "0"}

def office_config(tmp_path: Path, counters: int) -> Path:
    """The example config with `counters` counters that all serve every category."""
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    head, _, rest = text.partition("[[counters]]")
    devices = rest[rest.index("[devices.printer]"):]
    blocks = "".join(f'[[counters]]\nid = {i}\ncategories = ["A", "B", "C", "D"]\n\n' for i in range(1, counters + 1))
    path = tmp_path / "office.toml"
    path.write_text(head + blocks + devices, encoding="utf-8")
    (tmp_path / "calendar.toml").write_text((EXAMPLE_CONFIG.parent / "calendar.toml").read_text(encoding="utf-8"),
                                            encoding="utf-8")
    return path


def db_rows(url: str) -> list[Ticket]:
    eng = create_engine(url)
    with eng.connect() as c:
        rows = list(c.execute(select(Ticket.id, Ticket.number, Ticket.category, Ticket.issued_at, Ticket.called_at,
                                     Ticket.state)))
    eng.dispose()
    return rows


def test_sigkill_mid_burst_on_postgres(tmp_path: Path, pg_database: str) -> None:
    _clean_pg(pg_database)
    env = {"STATION_DATABASE_URL": pg_database, **BURST}
    d = Daemon(tmp_path / "data", simulate=False, env=env).start()
    reported: list[dict] = []
    lock = threading.Lock()

    def press(i: int) -> None:
        try:
            r = httpx.post(f"{d.url}/api/tickets", json={"category": "B"}, timeout=5)
        except httpx.HTTPError:
            return
        if r.status_code == 201:
            with lock:
                reported.append(r.json())
        if i == 40:
            d.kill()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(press, range(100)))
    stored = {r.id: r.number for r in db_rows(pg_database)}
    assert reported and all(stored[t["id"]] == t["number"] for t in reported)
    numbers = sorted(stored.values())
    assert numbers == [f"B{i:03d}" for i in range(1, len(numbers) + 1)]
    d2 = Daemon(tmp_path / "data", port=d.port, simulate=False, env=env).start()
    try:
        r = httpx.post(f"{d2.url}/api/tickets", json={"category": "B"}, timeout=5)
        assert r.json()["number"] == f"B{len(numbers) + 1:03d}"
    finally:
        d2.stop()


def test_three_daemons_thirty_counters_every_ticket_called_once(tmp_path: Path, pg_database: str) -> None:
    _clean_pg(pg_database)
    config = office_config(tmp_path, 30)
    clock = f"2026-12-01T10:00@{time.time()}"  # one office, one time
    daemons = [Daemon(tmp_path / f"d{i}", simulate=False, config=config, clock=clock,
                      env={"STATION_DATABASE_URL": pg_database, "STATION_COUNTER_ID": str(i)}).start()
               for i in (1, 2, 3)]
    auth = daemons[0].supervisor_headers()  # one database: the token works on every daemon
    stop_issuing = threading.Event()
    issued: list[int] = []
    errors: list[str] = []

    def issue_stream() -> None:
        rnd = random.Random(1)
        # an authenticated script: the per-kiosk rate limit (web/ratelimit.py) is for anonymous clients
        with httpx.Client(timeout=10, headers=auth) as c:
            while not stop_issuing.is_set():
                d = rnd.choice(daemons)
                r = c.post(f"{d.url}/api/tickets", json={"category": rnd.choice("ABCD")})
                if r.status_code != 201:
                    errors.append(f"issue {r.status_code} {r.text[:100]}")
                    continue
                issued.append(r.json()["id"])
                stop_issuing.wait(0.05)  # ~20 visitors a second: far above any real office

    give_up = time.monotonic() + SECONDS + 180  # a hung office fails the test instead of hanging CI

    def counter_worker(counter_id: int) -> int:
        d = daemons[(counter_id - 1) % 3]
        served = 0
        with httpx.Client(timeout=10, headers=auth) as c:
            while time.monotonic() < give_up:
                r = c.post(f"{d.url}/api/counters/{counter_id}/call-next")
                if r.status_code == 204:
                    if stop_issuing.is_set() and not c.get(f"{d.url}/api/tickets",
                                                           params={"state": "waiting"}).json():
                        return served
                    time.sleep(0.01)  # nobody waiting: a clerk would look up, not hammer the button
                    continue
                if r.status_code != 200:
                    errors.append(f"call {r.status_code} {r.text[:100]}")
                    continue
                tid = r.json()["id"]
                c.post(f"{d.url}/api/tickets/{tid}/start")
                c.post(f"{d.url}/api/tickets/{tid}/finish")
                served += 1
            errors.append(f"counter {counter_id} still busy at the deadline")
            return served

    try:
        producer = threading.Thread(target=issue_stream)
        producer.start()
        with ThreadPoolExecutor(30) as pool:
            futures = [pool.submit(counter_worker, i) for i in range(1, 31)]
            time.sleep(SECONDS)  # the length of the run, not synchronisation
            stop_issuing.set()
            producer.join()
            served = sum(f.result() for f in futures)
    finally:
        for d in daemons:
            d.stop()
    assert not errors, errors[:5]
    rows = db_rows(pg_database)
    assert len(rows) == len(issued) == served
    assert all(r.state == "done" for r in rows)
    eng = create_engine(pg_database)
    with eng.connect() as c:
        calls = Counter(c.execute(select(AuditEntry.ticket_id).where(AuditEntry.action == "ticket.call")).scalars())
    eng.dispose()
    assert set(calls) == {r.id for r in rows} and max(calls.values()) == 1  # each called exactly once
    # none starved: nobody was called more than a moment after someone who came later
    by_call = sorted(rows, key=lambda r: r.called_at)
    latest_issue_called = by_call[0].issued_at
    for r in by_call:
        assert r.issued_at >= latest_issue_called - _slack(), f"{r.number} was passed over"
        latest_issue_called = max(latest_issue_called, r.issued_at)


def _slack():  # type: ignore[no-untyped-def]
    """Calls in flight at the same moment may finish in either order: allow one second of overlap."""
    from datetime import timedelta

    return timedelta(seconds=1)


@pytest.mark.pg_restart
def test_postgres_restart_daemons_reconnect_and_panels_catch_up(tmp_path: Path, pg_database: str) -> None:
    import subprocess

    _clean_pg(pg_database)
    env = {"STATION_DATABASE_URL": pg_database, **BURST}
    d = Daemon(tmp_path / "data", simulate=False, env=env).start()
    seen: list[str] = []
    connected = threading.Event()
    done = threading.Event()

    def panel() -> None:
        """A browser-like SSE client: reconnects with Last-Event-ID, as EventSource does."""
        last = None
        while not done.is_set():
            try:
                headers = {"Last-Event-ID": last} if last else {}
                with httpx.stream("GET", f"{d.url}/api/events", headers=headers, timeout=None) as r:
                    connected.set()
                    event = ""
                    for line in r.iter_lines():
                        if line.startswith("id:"):
                            last = line[3:].strip()
                        elif line.startswith("event:"):
                            event = line[6:].strip()
                        elif line.startswith("data:") and event == "ticket_issued":
                            import json

                            seen.append(json.loads(line[5:])["number"])
                        if done.is_set():
                            return
            except httpx.HTTPError:
                time.sleep(0.2)

    t = threading.Thread(target=panel, daemon=True)
    t.start()
    assert connected.wait(10)
    issued = [httpx.post(f"{d.url}/api/tickets", json={"category": "A"}, timeout=5).json()["number"]
              for _ in range(3)]
    version = sorted(os.listdir("/etc/postgresql"))[0]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], check=True,
                   capture_output=True, timeout=60)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the daemon reconnects by itself; keep pressing until it answers
        try:
            r = httpx.post(f"{d.url}/api/tickets", json={"category": "A"}, timeout=5)
            if r.status_code == 201:
                issued.append(r.json()["number"])
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    issued += [httpx.post(f"{d.url}/api/tickets", json={"category": "A"}, timeout=5).json()["number"]
               for _ in range(3)]
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and sorted(set(seen)) != sorted(issued):
        time.sleep(0.1)
    done.set()
    d.stop()
    assert sorted(set(seen)) == sorted(issued), (seen, issued)
