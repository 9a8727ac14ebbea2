"""Each device degrades and recovers by itself, and the daemon says why (what the panel's lights show)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from station.app import Station
from station.clock import ManualClock
from tests.conftest import make_settings


@pytest.fixture
def sim_station(tmp_path: Path, clock: ManualClock, pcscd_service: object) -> Iterator[Station]:
    settings = make_settings(tmp_path)
    for dev in (settings.devices.printer, settings.devices.button, settings.devices.scanner,
                settings.devices.card_reader):
        dev.connection = "simulator"
    settings.devices.printer.port = 0
    st = Station(settings, clock=clock, simulate=True)
    st.start()
    assert st.wait_devices_ready(), st.devices.statuses()
    yield st
    st.stop()


def until(cond: Callable[[], bool], timeout: float = 15.0) -> bool:
    """Poll a condition with a deadline (device recovery is asynchronous by nature)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.02)
    return False


def health(st: Station, kind: str) -> tuple[str, str]:
    s = st.devices.statuses()[kind]
    return s.health, s.reason_ja


def test_printer_offline_and_paper_out_then_back(sim_station: Station) -> None:
    rig = sim_station.rig
    rig.printer.set_state("paper_out")
    sim_station.printer.read_status()
    assert health(sim_station, "printer") == ("down", "プリンタの用紙がありません")
    rig.printer.set_state("offline")
    sim_station.printer.read_status()
    h, why = health(sim_station, "printer")
    assert h == "down" and "接続" in why
    rig.printer.set_state("online")
    sim_station.printer.read_status()
    assert health(sim_station, "printer")[0] == "ok"


def test_scanner_port_vanishing_and_returning(sim_station: Station) -> None:
    rig = sim_station.rig
    rig.scanner.unplug()
    assert until(lambda: health(sim_station, "scanner")[0] == "down")
    assert "バーコードリーダー" in health(sim_station, "scanner")[1]
    rig.scanner.plug()
    assert until(lambda: health(sim_station, "scanner")[0] == "ok")


def test_button_port_vanishing_and_returning(sim_station: Station) -> None:
    rig = sim_station.rig
    rig.button.unplug()
    assert until(lambda: health(sim_station, "button")[0] == "down")
    rig.button.plug()
    assert until(lambda: health(sim_station, "button")[0] == "ok")
    rig.press("A")
    assert until(lambda: len(sim_station.queue.list()) == 1)


def test_reader_gone_with_pcscd_then_back(sim_station: Station, pcscd_service: object) -> None:
    if not getattr(pcscd_service, "owned", False):
        pytest.skip("pcscd belongs to someone else (another session); not restarting it")
    pcscd_service.kill()  # type: ignore[attr-defined]
    assert until(lambda: health(sim_station, "card_reader")[0] == "down")
    assert health(sim_station, "card_reader")[1]
    pcscd_service.start()  # type: ignore[attr-defined]
    assert until(lambda: health(sim_station, "card_reader")[0] == "ok", 20)
    sim_station.rig.card.insert("valid")
    assert until(lambda: sim_station.devices.last_card is not None, 10)
    assert sim_station.devices.last_card["cert_state"] == "valid"
