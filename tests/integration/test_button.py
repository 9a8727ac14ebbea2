"""The dispenser button driver against the button simulator over a real pty serial port."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from drivers.base import DeviceStatus, Health
from drivers.button import DOWN_JA, ButtonPressed, SerialButton
from simulators.button import ButtonSimulator
from tests.support.events import Events as BaseEvents

MAPPING = {b"1": "A", b"2": "B", b"3": "C"}
WAIT = 3.0


class Events(BaseEvents):
    def presses(self) -> list[ButtonPressed]:
        return [e for e in self.seen if isinstance(e, ButtonPressed)]


def is_press(category: str) -> Callable[[object], bool]:
    return lambda e: isinstance(e, ButtonPressed) and e.category == category


def is_health(health: Health) -> Callable[[object], bool]:
    return lambda e: isinstance(e, DeviceStatus) and e.health == health


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[ButtonSimulator]:
    s = ButtonSimulator(MAPPING, link_path=tmp_path / "ttyBUTTON")
    yield s
    s.close()


def run(driver: SerialButton) -> Events:
    events = Events()
    driver.start(events)
    events.wait_for(is_health(Health.OK))
    return events


def test_press_arrives_once_with_mapped_category(sim: ButtonSimulator) -> None:
    driver = SerialButton(sim.port_path, MAPPING)
    try:
        events = run(driver)
        sim.press("1")
        sim.press("2")  # sentinel: once it arrives, everything before it has been read
        events.wait_for(is_press("B"))
        assert [p.category for p in events.presses()] == ["A", "B"]
        first = events.presses()[0]
        assert first.code == "1"
        assert abs(first.at - time.monotonic()) < WAIT
        assert driver.status.health == Health.OK
    finally:
        driver.stop()


def test_bouncing_press_gives_one(sim: ButtonSimulator) -> None:
    driver = SerialButton(sim.port_path, MAPPING, debounce_ms=300)
    try:
        events = run(driver)
        sim.bounce("1", times=5, within_ms=200)
        sim.press("2")
        events.wait_for(is_press("B"))
        assert [p.category for p in events.presses()] == ["A", "B"]
    finally:
        driver.stop()


def test_presses_further_apart_than_debounce_count_twice(sim: ButtonSimulator) -> None:
    clock = FakeClock()
    driver = SerialButton(sim.port_path, MAPPING, debounce_ms=300, clock=clock)
    try:
        events = run(driver)
        sim.press("1")
        events.wait_for(is_press("A"))
        clock.advance(0.2)  # still inside the window: dropped
        sim.press("1")
        sim.press("2")
        events.wait_for(is_press("B"))
        clock.advance(0.15)  # 0.35 s after the accepted press: a new press
        sim.press("1")
        events.wait_for(is_press("A"))
        assert [p.category for p in events.presses()] == ["A", "B", "A"]
        assert events.presses()[2].at - events.presses()[0].at == pytest.approx(0.35)
    finally:
        driver.stop()


def test_unknown_codes_are_ignored(sim: ButtonSimulator) -> None:
    driver = SerialButton(sim.port_path, MAPPING)
    try:
        events = run(driver)
        sim.press("9")
        sim.press("x")
        sim.press("3")
        events.wait_for(is_press("C"))
        assert [p.category for p in events.presses()] == ["C"]
    finally:
        driver.stop()


def test_line_mode_button_box(tmp_path: Path) -> None:
    mapping = {"BTN1": "A", "BTN2": "B"}
    sim = ButtonSimulator(mapping, link_path=tmp_path / "ttyLINE", line_mode=True)
    driver = SerialButton(sim.port_path, mapping, line_mode=True)
    try:
        events = run(driver)
        sim.press("BTN9")
        sim.press("BTN2")
        events.wait_for(is_press("B"))
        assert [(p.category, p.code) for p in events.presses()] == [("B", "BTN2")]
    finally:
        driver.stop()
        sim.close()


def test_unplug_reports_down_and_replug_recovers(sim: ButtonSimulator) -> None:
    driver = SerialButton(sim.port_path, MAPPING, reconnect_interval=0.05)
    try:
        events = run(driver)
        sim.unplug()
        down = events.wait_for(is_health(Health.DOWN))
        assert isinstance(down, DeviceStatus)
        assert down.reason_ja == DOWN_JA
        assert driver.status.health == Health.DOWN
        sim.plug()
        events.wait_for(is_health(Health.OK))
        sim.press("2")
        events.wait_for(is_press("B"))
        statuses = [e.health for e in events.seen if isinstance(e, DeviceStatus)]
        assert statuses == [Health.OK, Health.DOWN, Health.OK]  # published on change only
    finally:
        driver.stop()


def test_starts_down_when_port_is_missing_then_comes_up(tmp_path: Path) -> None:
    sim = ButtonSimulator(MAPPING, link_path=tmp_path / "ttyLATE")
    sim.unplug()
    driver = SerialButton(sim.port_path, MAPPING, reconnect_interval=0.05)
    events = Events()
    try:
        driver.start(events)
        events.wait_for(is_health(Health.DOWN))
        sim.plug()
        events.wait_for(is_health(Health.OK))
        sim.press("1")
        events.wait_for(is_press("A"))
    finally:
        driver.stop()
        sim.close()
