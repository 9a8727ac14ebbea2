"""The serial scanner driver against the scanner simulator over a real pty serial port."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from drivers.base import DeviceStatus, Health
from drivers.scanner import DOWN_JA, Scan, ScanRejected, SerialScanner
from simulators.scanner import ScannerSimulator
from tests.support.events import Events as BaseEvents

WAIT = 3.0


class Events(BaseEvents):
    def scans(self) -> list[Scan]:
        return [e for e in self.seen if isinstance(e, Scan)]

    def rejections(self) -> list[str]:
        return [e.code for e in self.seen if isinstance(e, ScanRejected)]


def poll_until(cond: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    """Deadline helper for state that has no event of its own."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(what)
        time.sleep(0.002)


def is_scan(text: str) -> Callable[[object], bool]:
    return lambda e: isinstance(e, Scan) and e.text == text


def is_rejected(code: str) -> Callable[[object], bool]:
    return lambda e: isinstance(e, ScanRejected) and e.code == code


def is_health(health: Health) -> Callable[[object], bool]:
    return lambda e: isinstance(e, DeviceStatus) and e.health == health


@pytest.fixture
def link(tmp_path: Path) -> Path:
    return tmp_path / "ttySCANNER"


def started(driver: SerialScanner) -> Events:
    events = Events()
    driver.start(events)
    events.wait_for(is_health(Health.OK))
    return events


@pytest.fixture
def pair(link: Path) -> Iterator[tuple[ScannerSimulator, SerialScanner, Events]]:
    sim = ScannerSimulator(suffix="CR", link_path=link)
    driver = SerialScanner(sim.port_path, suffix="CR", frame_timeout_ms=100, reconnect_interval=0.05)
    events = started(driver)
    yield sim, driver, events
    driver.stop()
    sim.close()


@pytest.mark.parametrize("suffix", ["CR", "LF", "CRLF"])
def test_valid_codes_pass_with_each_suffix(suffix: str, link: Path) -> None:
    sim = ScannerSimulator(suffix=suffix, link_path=link)
    driver = SerialScanner(sim.port_path, suffix=suffix)
    try:
        events = started(driver)
        sim.scan("TK-1234")
        sim.scan("AB1-234567")
        events.wait_for(is_scan("AB1-234567"))
        assert [(s.text, s.symbology) for s in events.scans()] == [("TK-1234", None), ("AB1-234567", None)]
        assert events.rejections() == []
    finally:
        driver.stop()
        sim.close()


def test_aim_prefix_gives_symbology(link: Path) -> None:
    sim = ScannerSimulator(suffix="CRLF", aim_prefix=True, link_path=link)
    driver = SerialScanner(sim.port_path, suffix="CRLF", aim_prefix=True)
    try:
        events = started(driver)
        sim.scan("TK-42", symbology="code128")
        sim.scan("AB1-234567", symbology="qr")
        sim.scan("4901234567894", symbology="ean")
        events.wait_for(is_scan("4901234567894"))
        assert [(s.text, s.symbology) for s in events.scans()] == [
            ("TK-42", "code128"), ("AB1-234567", "qr"), ("4901234567894", "ean"),
        ]
    finally:
        driver.stop()
        sim.close()


def test_noise_is_rejected_then_scans_work(pair: tuple[ScannerSimulator, SerialScanner, Events]) -> None:
    sim, _, events = pair
    sim.send_noise()
    sim.scan("TK-1")
    events.wait_for(is_scan("TK-1"))
    assert events.rejections() == ["non_printable"]
    assert [s.text for s in events.scans()] == ["TK-1"]


def test_non_printable_inside_a_code(pair: tuple[ScannerSimulator, SerialScanner, Events]) -> None:
    sim, _, events = pair
    sim.send_raw(b"AB1-2\x1b34567\r")
    sim.scan("TK-2")
    events.wait_for(is_scan("TK-2"))
    assert events.rejections() == ["non_printable"]
    assert [s.text for s in events.scans()] == ["TK-2"]


def test_over_long_input_is_rejected(pair: tuple[ScannerSimulator, SerialScanner, Events]) -> None:
    sim, _, events = pair
    sim.send_raw(b"9" * 300 + b"\r")
    sim.scan("TK-3")
    events.wait_for(is_scan("TK-3"))
    assert events.rejections() == ["too_long"]
    assert [s.text for s in events.scans()] == ["TK-3"]


def test_partial_frame_times_out(pair: tuple[ScannerSimulator, SerialScanner, Events]) -> None:
    sim, _, events = pair
    sim.send_partial("AB1-23")
    rej = events.wait_for(is_rejected("timeout"))
    assert isinstance(rej, ScanRejected)
    assert rej.raw_len == 6
    assert rej.reason_ja.startswith("バーコードを読み取れませんでした")
    sim.scan("TK-4")
    events.wait_for(is_scan("TK-4"))
    assert [s.text for s in events.scans()] == ["TK-4"]  # the partial never joins the next code


def test_wrong_suffix_is_noise(pair: tuple[ScannerSimulator, SerialScanner, Events]) -> None:
    sim, _, events = pair
    sim.send_raw(b"TK-5\n")
    sim.scan("TK-6")
    events.wait_for(is_scan("TK-6"))
    assert events.rejections() == ["wrong_suffix"]
    assert [s.text for s in events.scans()] == ["TK-6"]


def test_unplug_and_replug(pair: tuple[ScannerSimulator, SerialScanner, Events]) -> None:
    sim, driver, events = pair
    sim.unplug()
    down = events.wait_for(is_health(Health.DOWN))
    assert isinstance(down, DeviceStatus)
    assert down.reason_ja == DOWN_JA
    assert driver.status.health == Health.DOWN
    sim.plug()
    events.wait_for(is_health(Health.OK))
    sim.scan("TK-7")
    events.wait_for(is_scan("TK-7"))
    healths = [e.health for e in events.seen if isinstance(e, DeviceStatus)]
    assert healths == [Health.OK, Health.DOWN, Health.OK]


def test_code_cut_by_unplug_is_rejected_not_joined(link: Path) -> None:
    sim = ScannerSimulator(suffix="CR", link_path=link)
    # A long frame timeout, so only the unplug can end the partial frame.
    driver = SerialScanner(sim.port_path, frame_timeout_ms=60_000, reconnect_interval=0.05)
    try:
        events = started(driver)
        sim.send_partial("AB1-2")
        poll_until(lambda: driver.framer.pending == 5, "partial code never reached the driver")
        sim.unplug()
        rej = events.wait_for(is_rejected("disconnected"))
        assert isinstance(rej, ScanRejected) and rej.raw_len == 5
        events.wait_for(is_health(Health.DOWN))
        sim.plug()
        events.wait_for(is_health(Health.OK))
        sim.scan("34567")
        events.wait_for(is_scan("34567"))
        assert [s.text for s in events.scans()] == ["34567"]  # not "AB1-234567"
    finally:
        driver.stop()
        sim.close()
