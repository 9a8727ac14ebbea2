"""Dispenser (発券機) buttons: serial button boxes and keyboard-like HID buttons.

A visitor presses a button for a category; the driver reports ``ButtonPressed`` and knows nothing of
tickets. Physical buttons bounce and visitors hold or hammer them, so each code is debounced: a press of
the same code within ``debounce_ms`` of the previous *accepted* press of that code is dropped. Without
this one impatient visitor would print a handful of tickets.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from drivers.base import DeviceKind, DeviceStatus, EventSink
from drivers.keymap import EV_KEY, KEY_DOWN
from drivers.serial_port import Channel, EvdevChannel, ReconnectingReader, SerialChannel, StatusReporter

log = logging.getLogger(__name__)

DOWN_JA = "発券ボタンが接続されていません"
DOWN_EN = "The ticket button is not connected"
DOWN_CODE = "button.not_connected"  # the words: station/messages/*/devices.json
MAX_LINE = 64  # a line-mode button never sends more; anything longer is noise


@dataclass(frozen=True)
class ButtonPressed:
    category: str
    code: str
    at: float  # time.monotonic() (or the injected clock) when the press was read


class Debouncer:
    """Accepts a code unless the same code was accepted less than ``debounce_ms`` ago."""

    def __init__(self, debounce_ms: float = 300) -> None:
        self.window = debounce_ms / 1000.0
        self._last: dict[str, float] = {}

    def accept(self, code: str, now: float) -> bool:
        last = self._last.get(code)
        if last is not None and now - last < self.window:
            return False
        self._last[code] = now
        return True


def _code_str(code: bytes | str) -> str:
    return code.decode("latin-1") if isinstance(code, bytes) else code


class _ButtonBase:
    kind = DeviceKind.BUTTON

    def __init__(self, debounce_ms: float) -> None:
        self._debouncer = Debouncer(debounce_ms)
        self._reporter = StatusReporter(DeviceKind.BUTTON, DOWN_JA, DOWN_EN, DOWN_CODE)
        self._sink: EventSink | None = None
        self._reader: ReconnectingReader | None = None

    @property
    def status(self) -> DeviceStatus:
        return self._reporter.status

    def _press(self, code: str, category: str | None, now: float) -> None:
        if category is None:
            log.warning("button: unknown code %r ignored", code[:16])
            return
        if not self._debouncer.accept(code, now):
            log.debug("button: code %r debounced", code)
            return
        if self._sink is not None:
            self._sink(ButtonPressed(category=category, code=code, at=now))

    def _start_reader(self, sink: EventSink, reader: ReconnectingReader) -> None:
        self._sink = sink
        self._reporter.sink = sink
        self._reader = reader
        reader.start()

    def stop(self) -> None:
        if self._reader is not None:
            self._reader.stop()
            self._reader = None


class SerialButton(_ButtonBase):
    """A button box on a serial port: one byte per button, or one line per button (``line_mode``).

    ``mapping`` maps what the box sends to a category code, e.g. ``{b"1": "A", b"2": "B"}`` or, in line
    mode, ``{"BTN1": "A"}`` (bytes or str keys both accepted).
    """

    def __init__(
        self,
        port: str,
        mapping: Mapping[bytes | str, str],
        baudrate: int = 9600,
        debounce_ms: float = 300,
        line_mode: bool = False,
        reconnect_interval: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(debounce_ms)
        self.port = port
        self.baudrate = baudrate
        self.line_mode = line_mode
        self.reconnect_interval = reconnect_interval
        self._clock = clock
        self.mapping: dict[str, str] = {_code_str(k): v for k, v in mapping.items()}
        if not line_mode:
            bad = [k for k in self.mapping if len(k) != 1]
            if bad:
                raise ValueError(f"byte-mode button codes must be one byte each: {bad!r}")
        self._line = bytearray()

    def start(self, sink: EventSink) -> None:
        reader = ReconnectingReader(
            f"button:{self.port}",
            opener=lambda: SerialChannel(self.port, self.baudrate),
            on_data=self._on_data,
            on_status=self._on_status,
            reconnect_interval=self.reconnect_interval,
            clock=self._clock,
        )
        self._start_reader(sink, reader)

    def _on_status(self, connected: bool, detail: str) -> None:
        self._line.clear()  # a half line from before the unplug is not a press
        self._reporter.update(connected, detail)

    def _on_data(self, data: bytes, now: float) -> None:
        if not self.line_mode:
            for byte in data:
                code = chr(byte)
                if code in "\r\n":  # boxes that end each byte with a newline
                    continue
                self._press(code, self.mapping.get(code), now)
            return
        for byte in data:
            if byte in b"\r\n":
                if self._line:
                    code = self._line.decode("latin-1").strip()
                    self._line.clear()
                    if code:
                        self._press(code, self.mapping.get(code), now)
            elif len(self._line) < MAX_LINE:
                self._line.append(byte)


class EvdevButton(_ButtonBase):
    """Keyboard-like HID buttons (many USB "big button" boxes type a key such as F1).

    ``keymap`` maps an evdev key code (int) or key name (``"KEY_F1"``) to a category. The device is
    grabbed so its presses never reach the desktop.
    """

    def __init__(
        self,
        path: str,
        keymap: Mapping[int | str, str],
        debounce_ms: float = 300,
        reconnect_interval: float = 0.5,
        grab: bool = True,
        clock: Callable[[], float] = time.monotonic,
        opener: Callable[[], Channel] | None = None,
    ) -> None:
        super().__init__(debounce_ms)
        self.path = path
        self.grab = grab
        self.reconnect_interval = reconnect_interval
        self._clock = clock
        # Another source of (type, code, value) events; the default opens and grabs the evdev node.
        self._opener = opener or (lambda: EvdevChannel(self.path, grab=self.grab))
        self.keymap: dict[int, str] = {}
        self._names: dict[int, str] = {}
        for key, category in keymap.items():
            code = _resolve_key(key)
            self.keymap[code] = category
            self._names[code] = key if isinstance(key, str) else str(key)

    def start(self, sink: EventSink) -> None:
        reader = ReconnectingReader(
            f"button:{self.path}",
            opener=self._opener,
            on_data=self._on_events,
            on_status=self._reporter.update,
            reconnect_interval=self.reconnect_interval,
            clock=self._clock,
        )
        self._start_reader(sink, reader)

    def _on_events(self, events: list[tuple[int, int, int]], now: float) -> None:
        for ev_type, code, value in events:
            if ev_type == EV_KEY and value == KEY_DOWN:  # autorepeat (2) of a held key is no new press
                self._press(self._names.get(code, str(code)), self.keymap.get(code), now)


def _resolve_key(key: int | str) -> int:
    if isinstance(key, int):
        return key
    if key.isdigit():
        return int(key)
    from evdev import ecodes

    try:
        return int(ecodes.ecodes[key])
    except KeyError:
        raise ValueError(f"unknown evdev key name {key!r}") from None
