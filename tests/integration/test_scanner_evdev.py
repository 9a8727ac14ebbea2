"""EvdevScanner and EvdevButton without a kernel input device.

This machine has no /dev/uinput (no uinput module in the container), so a virtual keyboard cannot be
created; the evdev node itself is exercised only for the "device missing" path. The key-event handling,
JIS translation, framing, debounce and reconnect loop are driven through the drivers' ``opener`` hook
with an in-process event source that behaves like an evdev node (blocking read with timeout, ENODEV
when unplugged, ENOENT on open while absent).
"""

from __future__ import annotations

import errno
import queue
import threading
from collections.abc import Callable
from pathlib import Path

from drivers.base import DeviceStatus, Health
from drivers.button import DOWN_JA as BUTTON_DOWN_JA
from drivers.button import ButtonPressed, EvdevButton
from drivers.keymap import EV_KEY, KEY_DOWN, KEY_REPEAT, KEY_UP, events_for_text
from drivers.scanner import DOWN_JA, EvdevScanner, Scan, ScanRejected
from tests.support.events import Events as BaseEvents

Event = tuple[int, int, int]


Events = BaseEvents


class FakeInputNode:
    """Stands in for /dev/input/eventN: events in batches, vanishes on unplug."""

    def __init__(self) -> None:
        self._batches: queue.Queue[list[Event] | None] = queue.Queue()
        self._present = threading.Event()
        self._present.set()

    def open(self) -> FakeInputNode:
        if not self._present.is_set():
            raise FileNotFoundError(errno.ENOENT, "No such file or directory")
        return self

    def read(self, timeout: float) -> list[Event]:
        try:
            batch = self._batches.get(timeout=timeout)
        except queue.Empty:
            return []
        if batch is None:
            raise OSError(errno.ENODEV, "No such device")
        return batch

    def close(self) -> None:
        pass

    def type(self, events: list[Event]) -> None:
        self._batches.put(events)

    def unplug(self) -> None:
        self._present.clear()
        self._batches.put(None)

    def plug(self) -> None:
        self._present.set()


def is_health(h: Health) -> Callable[[object], bool]:
    return lambda e: isinstance(e, DeviceStatus) and e.health == h


def test_missing_evdev_node_reports_down(tmp_path: Path) -> None:
    driver = EvdevScanner(str(tmp_path / "event-missing"), reconnect_interval=0.05)
    events = Events()
    driver.start(events)
    try:
        down = events.wait_for(is_health(Health.DOWN))
        assert isinstance(down, DeviceStatus)
        assert down.reason_ja == DOWN_JA
        assert "open failed" in down.detail
    finally:
        driver.stop()


def test_wedge_scanner_types_codes_on_jis_and_reconnects() -> None:
    node = FakeInputNode()
    driver = EvdevScanner("/dev/input/fake", aim_prefix=True, opener=node.open, reconnect_interval=0.05)
    events = Events()
    driver.start(events)
    try:
        events.wait_for(is_health(Health.OK))
        node.type(events_for_text("]C0TK-1234"))
        events.wait_for(lambda e: isinstance(e, Scan))
        node.type(events_for_text("]Q1AB1-2", enter=False))  # cut off by the unplug
        node.unplug()
        events.wait_for(is_health(Health.DOWN))
        node.plug()
        events.wait_for(is_health(Health.OK))
        node.type(events_for_text("]Q1AB1-234562"))
        events.wait_for(lambda e: isinstance(e, Scan) and e.text == "AB1-234562")
        scans = [(e.text, e.symbology) for e in events.seen if isinstance(e, Scan)]
        assert scans == [("TK-1234", "code128"), ("AB1-234562", "qr")]
        rejected = [e.code for e in events.seen if isinstance(e, ScanRejected)]
        assert rejected == ["disconnected"]
    finally:
        driver.stop()


def test_wedge_scanner_partial_code_times_out() -> None:
    node = FakeInputNode()
    driver = EvdevScanner("/dev/input/fake", frame_timeout_ms=50, opener=node.open)
    events = Events()
    driver.start(events)
    try:
        events.wait_for(is_health(Health.OK))
        node.type(events_for_text("TK-12", enter=False))
        rej = events.wait_for(lambda e: isinstance(e, ScanRejected))
        assert isinstance(rej, ScanRejected) and rej.code == "timeout" and rej.raw_len == 5
    finally:
        driver.stop()


def test_evdev_button_maps_keys_ignores_repeat_and_debounces() -> None:
    node = FakeInputNode()
    key_f1, key_f2 = 59, 60
    driver = EvdevButton("/dev/input/fake", {"KEY_F1": "A", key_f2: "B"}, debounce_ms=300, opener=node.open)
    events = Events()
    driver.start(events)
    try:
        events.wait_for(is_health(Health.OK))
        held = [(EV_KEY, key_f1, KEY_DOWN)] + [(EV_KEY, key_f1, KEY_REPEAT)] * 10 + [(EV_KEY, key_f1, KEY_UP)]
        bounce = [(EV_KEY, key_f1, KEY_DOWN), (EV_KEY, key_f1, KEY_UP)] * 3
        node.type(held + bounce + [(EV_KEY, 61, KEY_DOWN), (EV_KEY, key_f2, KEY_DOWN)])
        events.wait_for(lambda e: isinstance(e, ButtonPressed) and e.category == "B")
        presses = [(e.category, e.code) for e in events.seen if isinstance(e, ButtonPressed)]
        assert presses == [("A", "KEY_F1"), ("B", "60")]
        node.unplug()
        down = events.wait_for(is_health(Health.DOWN))
        assert isinstance(down, DeviceStatus) and down.reason_ja == BUTTON_DOWN_JA
    finally:
        driver.stop()
