"""A real `station run --simulate` stopped, or killed, with a print backlog: every committed ticket ends with a
print outcome (issue 19). The simulated printer is slowed to 2 slips a second, so a backlog exists however
fast or slow this machine is."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, select

from station.messages import text
from station.store.models import Ticket, TicketPrint
from station.store.models_printing import PrintJob
from tests.support.daemon import Daemon

ENV = {"STATION_SECURITY__TICKET_RATE_PER_MINUTE": "0", "STATION_DEVICES__CARD_READER__CONNECTION": "none"}
STOPPED = text("spooler.stopped", "ja")
N = 20


def state(data_dir: Path) -> tuple[dict[int, tuple[bool | None, str | None]], set[int]]:
    """(ticket id → (printed, reason), None when no outcome), and the ids the spooler still owes."""
    engine = create_engine(f"sqlite:///{data_dir / 'station.db'}")
    try:
        with engine.connect() as c:
            rows = c.execute(select(Ticket.id, TicketPrint.printed, TicketPrint.error)
                             .outerjoin(TicketPrint, TicketPrint.ticket_id == Ticket.id))
            out = {r.id: (r.printed, r.error) for r in rows}
            jobs = set(c.scalars(select(PrintJob.ticket_id)))
    finally:
        engine.dispose()
    return out, jobs


def backlog(d: Daemon) -> list[int]:
    """N kiosk tickets while the printer prints 2 a second; returns their ids."""
    r = httpx.post(f"{d.url}/api/sim/printer/speed", json={"jobs_per_second": 2}, timeout=10)
    assert r.status_code == 200, r.text
    with httpx.Client(base_url=d.url, timeout=10) as client:
        ids = [client.post("/api/tickets", json={"category": "A"}).json()["id"] for _ in range(N)]
    return ids


def wait_all_printed(data_dir: Path, timeout: float = 60.0) -> dict[int, tuple[bool | None, str | None]]:
    deadline = time.monotonic() + timeout
    while True:
        got, jobs = state(data_dir)
        if not jobs and all(p is True for p, _ in got.values()):
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"not all printed: {got}, still owed {jobs}")
        time.sleep(0.1)  # polling the database for a condition, with a deadline


def test_shutdown_with_a_backlog_records_every_ticket_and_a_quick_restart_prints_them(tmp_path: Path) -> None:
    data = tmp_path / "data"
    d = Daemon(data, env=ENV).start(timeout=90)
    try:
        ids = backlog(d)
    finally:
        d.stop()  # SIGTERM while the printer is still busy with the backlog
    got, jobs = state(data)
    assert set(got) == set(ids)
    assert all(printed is not None for printed, _ in got.values())  # no ticket without an outcome
    unprinted = {tid for tid, (printed, _) in got.items() if printed is False}
    assert unprinted and all(got[t][1] == STOPPED for t in unprinted)  # there was a backlog, all recorded
    assert jobs == unprinted  # still owed, for the next start

    d2 = Daemon(data, port=d.port, env=ENV).start(timeout=90)  # the same minute: the visitors are still there
    try:
        wait_all_printed(data)
    finally:
        d2.stop()


def test_sigkill_with_a_backlog_loses_no_job_and_a_late_restart_lists_them(tmp_path: Path) -> None:
    data = tmp_path / "data"
    d = Daemon(data, env=ENV).start(timeout=90)
    try:
        ids = backlog(d)
    finally:
        d.kill()  # no cleanup at all
    got, jobs = state(data)
    assert set(got) == set(ids)
    unknown = {tid for tid, (printed, _) in got.items() if printed is None}
    assert unknown  # the backlog: committed, no outcome yet …
    assert unknown <= jobs  # … and every one of them still owed, so recovery finds it

    d2 = Daemon(data, port=d.port, env=ENV, clock="2026-12-01T10:30").start(timeout=90)  # half an hour later
    try:
        got, jobs = state(data)  # recovery ran before the daemon answered
        assert jobs == set() and all(got[t] == (False, STOPPED) for t in unknown)
        headers = d2.supervisor_headers()
        listed = {t["id"]: t for t in httpx.get(f"{d2.url}/api/tickets", headers=headers, timeout=10).json()}
        tid = min(unknown)
        assert listed[tid]["printed"] is False and listed[tid]["print_error"] == STOPPED  # shown on /admin
        r = httpx.post(f"{d2.url}/api/tickets/{tid}/reprint", headers=headers, timeout=10)
        assert r.status_code == 200 and r.json()["printed"] is True
    finally:
        d2.stop()
