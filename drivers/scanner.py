"""Barcode scanners: serial (pyserial) and HID keyboard-wedge (evdev), with strict framing.

A scanned code drives what the clerk sees next (a ticket, a notice, a stock box), so a half-read or
garbled code must never pass as a code. ``ScanFramer`` is the single place where bytes become codes;
it is pure (the clock is injected) and every rejection carries a reason in Japanese and English plus
the length of what was dropped — never the content, which may be a resident's notice number.

Framing rules (a frame is what arrives between terminators):
- the frame ends at the configured suffix (CR, LF or CRLF); a different line ending (LF when CR is
  expected, a bare CR when CRLF is) ends the frame as noise;
- only printable ASCII (0x20–0x7E) is allowed inside a frame; one control or 8-bit byte condemns the
  whole frame (rejected at once, the rest of it is swallowed up to the next terminator or silence);
- more than ``max_length`` characters without a terminator is rejected the same way;
- bytes followed by silence longer than ``frame_timeout_ms`` are a partial frame and rejected;
- with ``aim_prefix`` the frame must start with an AIM symbology identifier (``]`` + letter + modifier),
  which is stripped and reported as ``Scan.symbology``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from drivers.base import DeviceKind, DeviceStatus, EventSink
from drivers.keymap import KeyTranslator
from drivers.serial_port import Channel, EvdevChannel, ReconnectingReader, SerialChannel, StatusReporter

log = logging.getLogger(__name__)

DOWN_JA = "バーコードリーダーが接続されていません"
DOWN_EN = "The barcode scanner is not connected"
DOWN_CODE = "scanner.not_connected"  # the words: station/messages/*/devices.json

SUFFIXES: dict[str, bytes] = {"CR": b"\r", "LF": b"\n", "CRLF": b"\r\n"}

# AIM symbology identifier letter → the name reported in Scan.symbology (ISO/IEC 15424).
SYMBOLOGY_BY_AIM: dict[str, str] = {
    "A": "code39",
    "C": "code128",
    "E": "ean",
    "F": "codabar",
    "I": "itf",
    "Q": "qr",
    "d": "datamatrix",
    "e": "gs1_databar",
    "L": "pdf417",
}
# The identifier a scanner sends for each symbology in its default configuration (simulators use this).
AIM_BY_SYMBOLOGY: dict[str, str] = {
    "code39": "]A0",
    "code128": "]C0",
    "ean": "]E0",
    "codabar": "]F0",
    "itf": "]I0",
    "qr": "]Q1",
    "datamatrix": "]d1",
    "gs1_databar": "]e0",
    "pdf417": "]L0",
}


@dataclass(frozen=True)
class Scan:
    text: str
    symbology: str | None
    at: float


@dataclass(frozen=True)
class ScanRejected:
    """A frame that was not passed on. ``code`` is a stable key for tests and counters; the station words
    it from the message code ``scanner.<code>``."""

    reason_ja: str
    reason_en: str
    raw_len: int
    code: str = ""
    at: float = 0.0


Rejected = ScanRejected

_REASONS: dict[str, tuple[str, str]] = {
    "non_printable": ("読み取りデータに不正な文字が含まれています", "non-printable byte inside the code"),
    "too_long": ("読み取りデータが長すぎます", "code longer than the maximum without a terminator"),
    "timeout": ("読み取りが途中で途切れました", "partial code: silence before the terminator"),
    "wrong_suffix": (
        "読み取りデータの終端が設定と異なります",
        "wrong terminator (noise or misconfigured suffix)",
    ),
    "empty": ("読み取りデータが空です", "empty code"),
    "no_aim": ("シンボル識別子がありません", "AIM symbology identifier missing"),
    "disconnected": ("読み取り中に接続が切れました", "device disconnected in the middle of a code"),
}


class ScanFramer:
    """Bytes in, complete codes (or reasoned rejections) out. Not thread-safe; one reader feeds it."""

    def __init__(
        self,
        suffix: str = "CR",
        aim_prefix: bool = False,
        max_length: int = 128,
        frame_timeout_ms: float = 150,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if suffix not in SUFFIXES:
            raise ValueError(f"suffix must be one of {sorted(SUFFIXES)}, not {suffix!r}")
        self.suffix = suffix
        self.aim_prefix = aim_prefix
        self.max_length = max_length
        self.timeout = frame_timeout_ms / 1000.0
        self._clock = clock
        self._buf = bytearray()
        self._bad = False       # the frame was already rejected; swallow until it ends
        self._bad_len = 0
        self._pending_cr = False  # CRLF mode: CR seen, LF expected next
        self._last_at: float | None = None

    @property
    def _in_frame(self) -> bool:
        return bool(self._buf) or self._bad or self._pending_cr

    @property
    def pending(self) -> int:
        """How many bytes of an unfinished frame are held (for diagnostics; never the bytes)."""
        return len(self._buf) + self._bad_len + self._pending_cr

    def abort(self, now: float | None = None) -> list[Scan | ScanRejected]:
        """The channel broke: an unfinished frame can never complete, so reject it now."""
        now = self._clock() if now is None else now
        out: list[Scan | ScanRejected] = []
        if self._in_frame and not self._bad:
            out.append(self._reject("disconnected", self.pending, now))
        self._reset()
        return out

    def _reset(self) -> None:
        self._buf.clear()
        self._bad = False
        self._bad_len = 0
        self._pending_cr = False

    def _reject(self, code: str, raw_len: int, now: float) -> ScanRejected:
        ja, en = _REASONS[code]
        log.warning("scanner: rejected frame (%s), %d bytes", en, raw_len)
        return ScanRejected(f"バーコードを読み取れませんでした: {ja}", en, raw_len, code, now)

    def poll(self, now: float | None = None) -> list[Scan | ScanRejected]:
        """Call when nothing arrived: rejects a frame that has gone silent for too long."""
        now = self._clock() if now is None else now
        if not self._in_frame or self._last_at is None or now - self._last_at <= self.timeout:
            return []
        out: list[Scan | ScanRejected] = []
        if not self._bad:
            out.append(self._reject("timeout", len(self._buf) + self._pending_cr, now))
        self._reset()
        return out

    def feed(self, data: bytes, now: float | None = None) -> list[Scan | ScanRejected]:
        now = self._clock() if now is None else now
        out = self.poll(now)
        if data:
            self._last_at = now
        for byte in data:
            self._feed_byte(byte, now, out)
        return out

    def _feed_byte(self, byte: int, now: float, out: list[Scan | ScanRejected]) -> None:
        is_cr, is_lf = byte == 0x0D, byte == 0x0A
        if self.suffix == "CRLF":
            if self._pending_cr:
                self._pending_cr = False
                if is_lf:
                    self._end_frame(True, now, out)
                    return
                self._end_frame(False, now, out)  # bare CR: not our terminator
                # fall through: this byte starts the next frame
            if is_cr:
                self._pending_cr = True
                return
            if is_lf:
                self._end_frame(False, now, out)
                return
        elif is_cr or is_lf:
            self._end_frame(is_cr == (self.suffix == "CR"), now, out)
            return
        if self._bad:
            self._bad_len += 1
        elif not 0x20 <= byte <= 0x7E:
            out.append(self._reject("non_printable", len(self._buf) + 1, now))
            self._bad, self._bad_len = True, len(self._buf) + 1
            self._buf.clear()
        elif len(self._buf) >= self.max_length:
            out.append(self._reject("too_long", len(self._buf) + 1, now))
            self._bad, self._bad_len = True, len(self._buf) + 1
            self._buf.clear()
        else:
            self._buf.append(byte)

    def _end_frame(self, right_suffix: bool, now: float, out: list[Scan | ScanRejected]) -> None:
        raw = bytes(self._buf)
        was_bad = self._bad
        self._reset()
        if was_bad:
            return
        if not right_suffix:
            out.append(self._reject("wrong_suffix", len(raw), now))
            return
        if not raw:
            out.append(self._reject("empty", 0, now))
            return
        text = raw.decode("ascii")
        symbology: str | None = None
        if self.aim_prefix:
            if len(text) < 3 or text[0] != "]" or not text[1].isalpha():
                out.append(self._reject("no_aim", len(raw), now))
                return
            letter = text[1]
            symbology = SYMBOLOGY_BY_AIM.get(letter, f"aim:{text[1:3]}")
            text = text[3:]
            if not text:
                out.append(self._reject("empty", len(raw), now))
                return
        log.debug("scanner: code read, %d characters, symbology %s", len(text), symbology)
        out.append(Scan(text=text, symbology=symbology, at=now))


class _ScannerBase:
    kind = DeviceKind.SCANNER

    def __init__(self, framer: ScanFramer) -> None:
        self.framer = framer  # public so diagnostics can see a stuck frame (``framer.pending``)
        self._reporter = StatusReporter(DeviceKind.SCANNER, DOWN_JA, DOWN_EN, DOWN_CODE)
        self._sink: EventSink | None = None
        self._reader: ReconnectingReader | None = None

    @property
    def status(self) -> DeviceStatus:
        return self._reporter.status

    def _emit(self, results: list[Scan | ScanRejected]) -> None:
        if self._sink is None:
            return
        for result in results:
            self._sink(result)

    def _on_idle(self, now: float) -> None:
        self._emit(self.framer.poll(now))

    def _on_status(self, connected: bool, detail: str) -> None:
        # A frame cut by an unplug is partial: reject it now rather than glue it to the next scan.
        if not connected:
            self._emit(self.framer.abort())
        self._reporter.update(connected, detail)

    def _start_reader(self, sink: EventSink, reader: ReconnectingReader) -> None:
        self._sink = sink
        self._reporter.sink = sink
        self._reader = reader
        reader.start()

    def stop(self) -> None:
        if self._reader is not None:
            self._reader.stop()
            self._reader = None


class SerialScanner(_ScannerBase):
    """A scanner on a serial port (or a USB scanner in CDC/virtual-COM mode)."""

    def __init__(
        self,
        port: str,
        suffix: str = "CR",
        aim_prefix: bool = False,
        max_length: int = 128,
        frame_timeout_ms: float = 150,
        baudrate: int = 9600,
        reconnect_interval: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(ScanFramer(suffix, aim_prefix, max_length, frame_timeout_ms, clock))
        self.port = port
        self.baudrate = baudrate
        self.reconnect_interval = reconnect_interval
        self._clock = clock

    def start(self, sink: EventSink) -> None:
        reader = ReconnectingReader(
            f"scanner:{self.port}",
            opener=lambda: SerialChannel(self.port, self.baudrate),
            on_data=lambda data, now: self._emit(self.framer.feed(data, now)),
            on_status=self._on_status,
            on_idle=self._on_idle,
            reconnect_interval=self.reconnect_interval,
            clock=self._clock,
        )
        self._start_reader(sink, reader)


class EvdevScanner(_ScannerBase):
    """A keyboard-wedge scanner, grabbed so its "typing" never lands in the clerk's browser.

    Key events are translated with the keyboard layout the scanner is set to (JIS by default) and
    Enter ends a code, so framing follows the same rules as for serial scanners (suffix CR).
    """

    def __init__(
        self,
        path: str,
        layout: str = "jis",
        aim_prefix: bool = False,
        max_length: int = 128,
        frame_timeout_ms: float = 150,
        reconnect_interval: float = 0.5,
        grab: bool = True,
        clock: Callable[[], float] = time.monotonic,
        opener: Callable[[], Channel] | None = None,
    ) -> None:
        super().__init__(ScanFramer("CR", aim_prefix, max_length, frame_timeout_ms, clock))
        self.path = path
        self.grab = grab
        self.reconnect_interval = reconnect_interval
        self._clock = clock
        # Another source of (type, code, value) events; the default opens and grabs the evdev node.
        self._opener = opener or (lambda: EvdevChannel(self.path, grab=self.grab))
        self._keys = KeyTranslator(layout)

    def _on_status(self, connected: bool, detail: str) -> None:
        self._keys.reset()
        super()._on_status(connected, detail)

    def _on_events(self, events: list[tuple[int, int, int]], now: float) -> None:
        data = b"".join(self._keys.feed(t, c, v) for t, c, v in events)
        if data:
            self._emit(self.framer.feed(data, now))
        else:
            self._on_idle(now)  # key-ups and SYN reports are not data; they must not defer the timeout

    def start(self, sink: EventSink) -> None:
        reader = ReconnectingReader(
            f"scanner:{self.path}",
            opener=self._opener,
            on_data=self._on_events,
            on_status=self._on_status,
            on_idle=self._on_idle,
            reconnect_interval=self.reconnect_interval,
            clock=self._clock,
        )
        self._start_reader(sink, reader)
