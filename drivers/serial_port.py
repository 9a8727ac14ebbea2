"""A reader thread that survives its device being unplugged and plugged back in.

USB-serial adapters and USB HID devices vanish when a cable is pulled and come back (often under the
same udev symlink) when it is put back. The counter must not need a restart for that, so every input
device runs this loop: open → read until an OS error → report "down" → retry at an interval.

The channel is abstract (``Channel``) so serial ports and evdev devices share the loop; the loop also
calls ``on_idle`` whenever a read returns nothing, which is how the scanner framer notices a code that
stopped half-way (its timeout rule) without a second timer thread.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

import serial

log = logging.getLogger(__name__)

# Errors that mean "the device is gone or not there yet", as opposed to a bug.
DEVICE_ERRORS: tuple[type[BaseException], ...] = (OSError, serial.SerialException)


class Channel(Protocol):
    def read(self, timeout: float) -> Any:
        """Return what arrived within ``timeout`` seconds (empty/falsy if nothing); raise if gone."""
        ...

    def close(self) -> None: ...


class SerialChannel:
    """A pyserial port opened in raw 8N1 mode; reads whatever has arrived."""

    def __init__(self, port: str, baudrate: int = 9600) -> None:
        self._serial = serial.Serial(port=port, baudrate=baudrate, timeout=0.05, exclusive=False)

    def read(self, timeout: float) -> bytes:
        if self._serial.timeout != timeout:  # setting it costs a tcsetattr; do it once
            self._serial.timeout = timeout
        data: bytes = self._serial.read(self._serial.in_waiting or 1)
        return data

    def close(self) -> None:
        # Closing a vanished port may itself fail; there is nothing left to do then.
        with contextlib.suppress(*DEVICE_ERRORS):
            self._serial.close()


class ReconnectingReader:
    """Runs ``opener`` → ``channel.read`` in a daemon thread, reconnecting after device errors.

    ``on_status(connected, detail)`` is called on every connect and every failure; drivers turn it into
    a DeviceStatus and publish only changes. Exceptions raised by the callbacks are logged, never allowed
    to kill the thread (a faulty event consumer must not take the device down).
    """

    def __init__(
        self,
        name: str,
        opener: Callable[[], Channel],
        on_data: Callable[[Any, float], None],
        on_status: Callable[[bool, str], None],
        on_idle: Callable[[float], None] | None = None,
        reconnect_interval: float = 0.5,
        poll_interval: float = 0.02,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self._opener = opener
        self._on_data = on_data
        self._on_status = on_status
        self._on_idle = on_idle
        self.reconnect_interval = reconnect_interval
        self.poll_interval = poll_interval
        self._clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"reader-{self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _call(self, fn: Callable[..., None], *args: Any) -> None:
        try:
            fn(*args)
        except Exception:
            log.exception("%s: event handler failed", self.name)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                channel = self._opener()
            except DEVICE_ERRORS as exc:
                self._call(self._on_status, False, f"open failed: {exc}")
                self._stop.wait(self.reconnect_interval)
                continue
            self._call(self._on_status, True, "")
            try:
                self._read_until_error(channel)
            except DEVICE_ERRORS as exc:
                log.warning("%s: device lost: %s", self.name, exc)
                self._call(self._on_status, False, f"read failed: {exc}")
            finally:
                channel.close()
            self._stop.wait(self.reconnect_interval)

    def _read_until_error(self, channel: Channel) -> None:
        while not self._stop.is_set():
            data = channel.read(self.poll_interval)
            now = self._clock()
            if data:
                self._call(self._on_data, data, now)
            elif self._on_idle is not None:
                self._call(self._on_idle, now)


class EvdevChannel:
    """An evdev input device, grabbed so its key presses do not also type into the clerk's screen.

    Reads return ``(type, code, value)`` tuples. evdev is imported here, not at module import, so the
    serial-only parts work on machines without it.
    """

    def __init__(self, path: str, grab: bool = True) -> None:
        import evdev

        self._device = evdev.InputDevice(path)
        self._grabbed = False
        if grab:
            try:
                self._device.grab()
                self._grabbed = True
            except OSError:
                self._device.close()
                raise

    def read(self, timeout: float) -> list[tuple[int, int, int]]:
        import select

        ready, _, _ = select.select([self._device.fd], [], [], timeout)
        if not ready:
            return []
        try:
            return [(ev.type, ev.code, ev.value) for ev in self._device.read()]
        except BlockingIOError:
            return []

    def close(self) -> None:
        if self._grabbed:
            with contextlib.suppress(OSError):
                self._device.ungrab()
        with contextlib.suppress(OSError):
            self._device.close()


class StatusReporter:
    """Keeps a device's current DeviceStatus and publishes it to the sink only when it changes.

    A flapping cable must not flood the clerk's screen with identical "down" events, so repeated
    failures while already down are logged at debug level and not re-published.
    """

    def __init__(self, kind: Any, down_ja: str, down_en: str, down_code: str = "") -> None:
        from drivers.base import DeviceStatus, Health

        self._health = Health
        self._make = DeviceStatus
        self.kind = kind
        self.down_ja = down_ja
        self.down_en = down_en
        self.down_code = down_code
        self.status = DeviceStatus(kind, Health.UNKNOWN)
        self.sink: Callable[[object], None] | None = None
        self._lock = threading.Lock()

    def update(self, connected: bool, detail: str = "") -> None:
        if connected:
            new = self._make(self.kind, self._health.OK, detail=detail)
        else:
            new = self._make(self.kind, self._health.DOWN, self.down_ja, self.down_en, detail, self.down_code)
        with self._lock:
            changed = new.health != self.status.health
            self.status = new
        if not changed:
            log.debug("%s: still %s (%s)", self.kind, new.health, detail)
            return
        log.info("%s: %s %s", self.kind, new.health, detail)
        if self.sink is not None:
            self.sink(new)
