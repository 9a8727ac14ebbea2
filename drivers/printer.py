"""The receipt printer: a `Receipt` layout becomes ESC/POS bytes sent through a python-escpos connection.

Why the bytes are built here rather than with python-escpos's text helpers: its magic encoder does not
drive the printer's Kanji mode (FS & … FS .), which Japanese printers need, and building the whole job as
one byte string lets it go out in one write after the status check. python-escpos still owns the
connection (Network / Serial / Usb), so any printer it can reach, this driver can drive.

A print never reports success onto a printer that cannot print: status (DLE EOT 1/2/4) is read on the
same connection first and a typed error is raised, so the caller keeps the ticket unprinted/reprintable.
"""

from __future__ import annotations

import logging
import socket
import threading
from pathlib import Path
from typing import Any

from escpos.escpos import Escpos

from drivers import escpos_codes as codes
from drivers.base import DeviceKind, DeviceStatus, EventSink, Health
from drivers.raster import find_japanese_font, pack_bits, text_to_image
from drivers.receipt import Barcode, Feed, QRCode, Receipt, Rule, Text

log = logging.getLogger(__name__)

PAPER_DOTS = 576
COLUMNS = 48  # Font A (12×24) characters per line on 80 mm paper


class PrinterError(Exception):
    """The printer cannot print now; message in Japanese first, for the clerk."""

    default_ja = "プリンタで印刷できません"
    default_en = "The printer cannot print"
    code = "printer.cannot_print"  # message code (station/messages/*/devices.json)

    def __init__(self, message_ja: str = "", message_en: str = "",
                 status: DeviceStatus | None = None) -> None:
        self.message_ja = message_ja or self.default_ja
        self.message_en = message_en or self.default_en
        self.status = status
        super().__init__(f"{self.message_ja} ({self.message_en})")


class PrinterOffline(PrinterError):
    default_ja = "プリンタに接続できません"
    default_en = "Cannot connect to the printer"
    code = "printer.unreachable"


class PrinterCoverOpen(PrinterOffline):
    default_ja = "プリンタのカバーが開いています"
    default_en = "The printer cover is open"
    code = "printer.cover_open"


class PrinterPaperOut(PrinterError):
    default_ja = "プリンタの用紙がありません"
    default_en = "The printer is out of paper"
    code = "printer.paper_out"


class _NoAnswer(Exception):
    """The connection is up but the printer did not answer a real-time status request."""


# All three real-time statuses, asked in one write (the printer answers them in order).
ALL_STATUS = (codes.STATUS_PRINTER, codes.STATUS_OFFLINE_CAUSE, codes.STATUS_PAPER)

# cause → (health, reason_ja, reason_en, error class raised when printing)
_CAUSES: dict[str, tuple[Health, str, str, type[PrinterError] | None]] = {
    "ok": (Health.OK, "", "", None),
    "near_end": (Health.DEGRADED, "用紙が残りわずかです", "Paper is running low", None),
    "unreachable": (Health.DOWN, PrinterOffline.default_ja, PrinterOffline.default_en, PrinterOffline),
    "cover_open": (Health.DOWN, PrinterCoverOpen.default_ja, PrinterCoverOpen.default_en, PrinterCoverOpen),
    "paper_out": (Health.DOWN, PrinterPaperOut.default_ja, PrinterPaperOut.default_en, PrinterPaperOut),
    "offline": (Health.DOWN, "プリンタがオフラインです", "The printer is offline", PrinterOffline),
    "error": (Health.DOWN, "プリンタでエラーが発生しています", "The printer reports an error", PrinterError),
    "bad_answer": (Health.DOWN, "プリンタの応答が正しくありません", "Unexpected answer from the printer",
                   PrinterError),
}


def _status(cause: str, detail: str = "") -> DeviceStatus:
    health, ja, en, _ = _CAUSES[cause]
    code = f"printer.{cause}" if cause != "ok" else ""  # every cause has its words in devices.json
    return DeviceStatus(DeviceKind.PRINTER, health, ja, en, detail=f"{cause} {detail}".strip(), code=code)


def _cause_of(status: DeviceStatus) -> str:
    return status.detail.split(" ", 1)[0] if status.detail else "ok"


class ReceiptPrinter:
    """One receipt printer over one python-escpos connection; safe to call from any thread."""

    kind = DeviceKind.PRINTER

    def __init__(self, connection: Escpos, *, kanji_mode: bool = True, columns: int = COLUMNS,
                 paper_dots: int = PAPER_DOTS, font: str | Path | None = None,
                 poll_interval: float | None = 15.0) -> None:
        self._printer = connection
        self.kanji_mode = kanji_mode
        self.columns = columns
        self.paper_dots = paper_dots
        self.poll_interval = poll_interval
        # Without Kanji mode every Japanese line is a picture: fail now, not at the first ticket.
        self._font = None if kanji_mode else find_japanese_font(font)
        self._lock = threading.RLock()
        self._open = False
        self._status = DeviceStatus(DeviceKind.PRINTER, Health.UNKNOWN)
        self._status_lock = threading.Lock()
        self._sink: EventSink | None = None
        self._stop = threading.Event()
        self._poller: threading.Thread | None = None

    # construction from plain arguments ------------------------------------------------------------
    @classmethod
    def network(cls, host: str, port: int = 9100, timeout: float = 5.0, **options: Any) -> ReceiptPrinter:
        from escpos.printer import Network

        return cls(Network(host=host, port=port, timeout=timeout), **options)

    @classmethod
    def serial(cls, device: str, baudrate: int = 9600, timeout: float = 1.0,
               **options: Any) -> ReceiptPrinter:
        from escpos.printer import Serial

        return cls(Serial(devfile=device, baudrate=baudrate, timeout=timeout), **options)

    @classmethod
    def usb(cls, vendor_id: int, product_id: int, timeout: int = 0, in_ep: int = 0x82, out_ep: int = 0x01,
            **options: Any) -> ReceiptPrinter:
        from escpos.printer import Usb  # needs pyusb at open time

        return cls(Usb(idVendor=vendor_id, idProduct=product_id, timeout=timeout, in_ep=in_ep, out_ep=out_ep),
                   **options)

    # Device protocol ------------------------------------------------------------------------------
    @property
    def status(self) -> DeviceStatus:
        """The last known status (UNKNOWN until the first check)."""
        with self._status_lock:
            return self._status

    def start(self, sink: EventSink) -> None:
        """Report status changes to sink (which must not block), polling every poll_interval seconds."""
        self._sink = sink
        self._stop.clear()
        if self.poll_interval and self._poller is None:
            self._poller = threading.Thread(target=self._poll, name="printer-status", daemon=True)
            self._poller.start()

    def stop(self) -> None:
        self._stop.set()
        if self._poller is not None:
            self._poller.join(timeout=10)
            self._poller = None
        self.close()

    def close(self) -> None:
        with self._lock:
            self._drop_connection()

    def _poll(self) -> None:
        while not self._stop.is_set():
            self.read_status()
            self._stop.wait(self.poll_interval or 15.0)

    def _publish(self, status: DeviceStatus) -> None:
        with self._status_lock:
            changed = status != self._status
            self._status = status
        if changed and self._sink is not None:
            try:
                self._sink(status)
            except Exception:  # a broken listener must not break printing
                log.exception("printer status sink failed")

    # status ---------------------------------------------------------------------------------------
    def read_status(self) -> DeviceStatus:
        """Ask the printer (DLE EOT 1, 2, 4) on the print connection; never raises."""
        with self._lock:
            status = self._status_locked()
        self._publish(status)
        return status

    def _status_locked(self) -> DeviceStatus:
        detail = ""
        for _attempt in range(2):  # a dead socket gets one reconnect
            try:
                self._ensure_open()
                answers = self._query_many(ALL_STATUS)
            except Exception as exc:  # python-escpos raises its own, socket/serial their own; all mean "gone"
                detail = f"{type(exc).__name__}: {exc}"
                self._drop_connection()
                continue
            return self._interpret(*answers)
        return _status("unreachable", detail)

    @staticmethod
    def _interpret(printer: int, offline_cause: int, paper: int) -> DeviceStatus:
        detail = f"{printer:02x} {offline_cause:02x} {paper:02x}"
        if not all(codes.valid_status_byte(b) for b in (printer, offline_cause, paper)):
            return _status("bad_answer", detail)
        bits = codes.decode_status(printer, offline_cause, paper)
        if bits.cover_open:
            return _status("cover_open", detail)
        if bits.paper_end:
            return _status("paper_out", detail)
        if bits.error:
            return _status("error", detail)
        if bits.offline:
            return _status("offline", detail)
        if bits.near_end:
            return _status("near_end", detail)
        return _status("ok", detail)

    def _query_many(self, ns: tuple[int, ...], before: bytes = b"") -> list[int]:
        """Send `before` and the status requests in one write, then read one answer byte per request.

        One round trip instead of one per request: the printer answers real-time requests in order."""
        self._printer._raw(before + b"".join(codes.status_request(n) for n in ns))
        answer = b""
        while len(answer) < len(ns):
            chunk = self._printer._read()
            if not chunk:
                raise _NoAnswer(f"no answer to DLE EOT {ns}")
            answer += bytes(chunk)
        return list(answer[: len(ns)])

    def _ensure_open(self) -> None:
        if not self._open:
            self._printer.open()
            if not self._printer._device:
                raise _NoAnswer("connection did not open")
            device = self._printer._device
            if isinstance(device, socket.socket):
                # Status queries are tiny writes answered by tiny reads: without NODELAY, Nagle and the
                # printer's delayed ACK add ~40 ms to every ticket.
                device.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._open = True

    def _drop_connection(self) -> None:
        if self._open or self._printer._device:
            try:
                self._printer.close()
            except Exception:  # closing a dead connection may fail in many ways; it is gone either way
                log.debug("closing printer connection failed", exc_info=True)
            self._printer._device = False
        self._open = False

    # printing -------------------------------------------------------------------------------------
    def print_receipt(self, receipt: Receipt) -> None:
        """Print and cut, or raise PrinterError (no whole ticket came out; the caller keeps it reprintable).

        Before the job the printer is asked whether it can print: a job sent to a printer that cannot
        would wait in its buffer and come out later, beside the reprint. The status that closes the job
        is answered only once the printer has read all of it, and must still allow printing: paper that
        ran out or a cover opened during the job means the visitor has no whole ticket."""
        data = self.render(receipt)
        with self._lock:
            status = self._status_locked()
            error = self._cannot_print(status)
            if error is None:
                try:
                    [cause] = self._query_many((codes.STATUS_OFFLINE_CAUSE,), before=data)
                    status = self._after_job(status, cause)
                except Exception as exc:
                    self._drop_connection()
                    status = _status("unreachable", f"during print: {type(exc).__name__}: {exc}")
                    error = PrinterOffline(
                        "印刷中にプリンタとの接続が切れました", "Lost the printer connection while printing", status)
                else:
                    error = self._cannot_print(status)
        self._publish(status)
        if error is not None:
            raise error

    @classmethod
    def _after_job(cls, before: DeviceStatus, offline_cause: int) -> DeviceStatus:
        """The answer to DLE EOT 2 that closes a job tells whether a cover opened, the paper ran out or an
        error stopped the printer during it; one byte, so the job's round trip stays one byte long."""
        fixed = codes.STATUS_FIXED_BITS  # "online", "paper present": what the check before the job found
        status = cls._interpret(fixed, offline_cause, fixed)
        return before if _cause_of(status) == "ok" else status

    @staticmethod
    def _cannot_print(status: DeviceStatus) -> PrinterError | None:
        error_class = _CAUSES[_cause_of(status)][3]
        return None if error_class is None else error_class(status.reason_ja, status.reason_en, status)

    def render(self, receipt: Receipt) -> bytes:
        """The complete ESC/POS job for a receipt (pure apart from font loading for raster lines)."""
        out = bytearray(codes.INIT)
        if self.kanji_mode:
            out += codes.KANJI_SHIFT_JIS
        for element in receipt.elements:
            if isinstance(element, Text):
                out += self._text(element)
            elif isinstance(element, Barcode):
                module = 2 if codes.code128_width_dots(element.data, 2) <= self.paper_dots else 1
                out += codes.align(str(element.align))
                out += codes.barcode_code128(element.data, module_width=module)
            elif isinstance(element, QRCode):
                out += codes.align(str(element.align)) + codes.qr_code(element.data, module_size=element.size)
                out += codes.LF
            elif isinstance(element, Feed):
                out += codes.feed_lines(element.lines)
            elif isinstance(element, Rule):
                out += self._text(Text(self._rule_line(element.char)))
        out += codes.align("left") + codes.char_size(1, 1) + codes.bold(False)
        if receipt.cut:
            out += codes.feed_lines(3) + codes.cut(partial=True)
        return bytes(out)

    def _rule_line(self, char: str) -> str:
        char = char[:1] or "-"
        per_char = 1 if codes.is_ascii(char) else 2
        return char * (self.columns // per_char)

    def _text(self, element: Text) -> bytes:
        style = codes.align(str(element.align)) + codes.bold(element.bold) + codes.char_size(
            element.width, element.height)
        if self.kanji_mode or codes.is_ascii(element.text):
            lines = element.text.split("\n")
            return style + b"".join(codes.encode_text(line, kanji=self.kanji_mode) + codes.LF
                                    for line in lines)
        assert self._font is not None
        image = text_to_image(element.text.replace("\n", " "), self._font, width=element.width,
                              height=element.height, bold=element.bold, align=str(element.align),
                              paper_dots=self.paper_dots)
        width, height, rows = pack_bits(image)
        return codes.align("left") + codes.raster_image(width, height, rows)


def _int(value: int | str) -> int:
    return value if isinstance(value, int) else int(value, 0)


def printer_from_settings(connection: str, **kwargs: Any) -> ReceiptPrinter:
    """Build a printer from config values, e.g. printer_from_settings("network", host="10.0.0.5")."""
    options = {k: kwargs.pop(k) for k in ("kanji_mode", "columns", "paper_dots", "font", "poll_interval")
               if k in kwargs}
    if connection == "network":
        return ReceiptPrinter.network(kwargs["host"], int(kwargs.get("port", 9100)),
                                      float(kwargs.get("timeout", 5.0)), **options)
    if connection == "serial":
        return ReceiptPrinter.serial(kwargs["device"], int(kwargs.get("baudrate", 9600)),
                                     float(kwargs.get("timeout", 1.0)), **options)
    if connection == "usb":
        return ReceiptPrinter.usb(_int(kwargs["vendor_id"]), _int(kwargs["product_id"]), **options)
    raise ValueError(f"unknown printer connection {connection!r} (network, serial or usb)")


