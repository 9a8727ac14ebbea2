"""Button → committed ticket → printed job, through the real channels (pty button, TCP 9100 printer)."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from station.app import Station
from station.cli import app as cli
from station.clock import ManualClock
from station.events import Envelope, TicketPrinted
from station.store.models import Ticket, TicketPrint
from tests.conftest import EXAMPLE_CONFIG, make_settings
from web.app import create_app


class Printed:
    """Waits for the spooler's report on each ticket, instead of sleeping."""

    def __init__(self, station: Station) -> None:
        self.q: queue.Queue[TicketPrinted] = queue.Queue()
        station.bus.add_listener(self._on)

    def _on(self, env: Envelope) -> None:
        if isinstance(env.event, TicketPrinted):
            self.q.put(env.event)

    def next(self, timeout: float = 10.0) -> TicketPrinted:
        return self.q.get(timeout=timeout)


@pytest.fixture
def sim_station(tmp_path: Path, clock: ManualClock) -> Iterator[Station]:
    settings = make_settings(tmp_path)
    for dev in (settings.devices.printer, settings.devices.button, settings.devices.scanner):
        dev.connection = "simulator"
    settings.devices.printer.port = 0  # any free port: tests may run beside a daemon on 9100
    st = Station(settings, clock=clock, simulate=True)
    st.start()
    assert st.wait_devices_ready(), st.devices.statuses()
    yield st
    st.stop()


def tickets(st: Station, category: str | None = None) -> list[Ticket]:
    with st.sessions() as s:
        stmt = select(Ticket).order_by(Ticket.id)
        if category:
            stmt = stmt.where(Ticket.category == category)
        return list(s.scalars(stmt))


def test_a_press_gives_one_committed_ticket_and_one_printed_job(sim_station: Station) -> None:
    printed = Printed(sim_station)
    sim_station.rig.press("A")
    ev = printed.next()
    assert ev.printed and ev.number == "A001"
    [t] = tickets(sim_station)
    assert t.number == "A001" and t.source == "button"
    [job] = sim_station.rig.printer.wait_for_jobs(1)
    assert "A001" in job.text and "交付" in job.text
    assert job.barcodes == [f"TK-{t.id}"] and job.qr_codes[0].endswith(f"/t/{t.token}")


def test_a_bouncing_press_still_gives_one_ticket(sim_station: Station) -> None:
    printed = Printed(sim_station)
    sim_station.rig.button.bounce(b"1", times=5, within_ms=150)
    sim_station.rig.press("B")  # a later, different button: once it is printed, the bounce is all read
    seen = {printed.next().number, printed.next().number}
    assert seen == {"A001", "B001"}
    assert [t.number for t in tickets(sim_station, "A")] == ["A001"]
    assert printed.q.empty()


def test_printer_offline_keeps_the_ticket_and_reprint_prints_it(sim_station: Station, tmp_path: Path) -> None:
    printed = Printed(sim_station)
    rig = sim_station.rig
    rig.printer.set_state("offline")
    rig.press("A")
    ev = printed.next()
    assert not ev.printed and ev.number == "A001" and ev.reason_ja
    [t] = tickets(sim_station)
    assert t.state == "waiting"
    assert sim_station.queue.get(t.id).printed is False
    assert rig.printer.jobs == []

    rig.printer.set_state("online")
    with TestClient(create_app(sim_station, manage_lifecycle=False)) as client:
        r = client.post(f"/api/tickets/{t.id}/reprint")
    assert r.status_code == 200 and r.json()["printed"] is True
    [job] = rig.printer.wait_for_jobs(1)
    assert "A001" in job.text and "再発行" in job.text

    # and from the command line, as the supervisor would after a longer outage
    result = CliRunner().invoke(cli, ["--config", str(EXAMPLE_CONFIG), "ticket", "reprint", str(t.id),
                                      "--data-dir", str(sim_station.settings.data_dir)])
    assert result.exit_code == 0, result.output
    assert len(rig.printer.wait_for_jobs(2)) == 2
    with sim_station.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 1  # nothing numbered twice
        record = s.get(TicketPrint, t.id)
        assert record is not None and record.printed and record.error is None
        assert record.count == 2  # the failed first try is not counted; the two reprints are
    assert sim_station.queue.get(t.id).printed is True


def test_paper_out_is_a_device_status_and_an_unprinted_ticket(sim_station: Station) -> None:
    printed = Printed(sim_station)
    sim_station.rig.printer.set_state("paper_out")
    status = sim_station.printer.read_status()
    assert status.health == "down" and "用紙" in status.reason_ja
    assert sim_station.devices.statuses()["printer"].health == "down"
    sim_station.queue.issue("C")
    assert not printed.next().printed


def test_scans_reach_the_panel_as_events(sim_station: Station) -> None:
    got: queue.Queue[object] = queue.Queue()
    sim_station.bus.add_listener(lambda env: got.put(env.event) if env.event.name == "scanned" else None)
    sim_station.rig.scanner.scan("TK-42")
    ev = got.get(timeout=5)
    assert (ev.kind, ev.value) == ("ticket", "42")
    sim_station.rig.scanner.scan("garbage!")
    ev = got.get(timeout=5)
    assert ev.kind == "rejected" and ev.message_ja


def test_many_presses_are_gapless(sim_station: Station) -> None:
    printed = Printed(sim_station)
    n = 12
    for i in range(n):
        sim_station.queue.issue("A" if i % 2 else "C", source="kiosk")
    for _ in range(n):
        printed.next()
    nums = sorted(t.number for t in tickets(sim_station))
    assert nums == sorted([f"A{i:03d}" for i in range(1, 7)] + [f"C{i:03d}" for i in range(1, 7)])
    assert len(sim_station.rig.printer.wait_for_jobs(n)) == n
