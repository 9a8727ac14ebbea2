"""ESC/POS byte encoders and status bits, pure and shared by the printer driver and its simulator.

Both ends import the same constants so a change to the wire format is a change in one place; the
simulator's parser decodes exactly what these functions emit (and much more, because real software
sends more than we do).
"""

from __future__ import annotations

from dataclasses import dataclass

ESC = b"\x1b"
GS = b"\x1d"
FS = b"\x1c"
DLE = b"\x10"
EOT = b"\x04"
LF = b"\n"

INIT = ESC + b"@"
KANJI_ON = FS + b"&"
KANJI_OFF = FS + b"."
KANJI_SHIFT_JIS = FS + b"C\x01"  # FS C 1: Kanji code system = Shift_JIS
KANJI_ENCODING = "cp932"  # Shift_JIS as Japanese printers implement it (with NEC/IBM extensions)

ALIGN_CODES = {"left": 0, "center": 1, "right": 2}

# GS ( k, function numbers of the QR code symbol (cn = 49)
QR_CN = 0x31
QR_FN_MODEL = 0x41
QR_FN_SIZE = 0x43
QR_FN_ERROR = 0x45
QR_FN_STORE = 0x50
QR_FN_PRINT = 0x51
QR_ERROR_LEVELS = {"L": 48, "M": 49, "Q": 50, "H": 51}

CODE128 = 73  # GS k m=73, length-prefixed
CODE128_SET_B = b"{B"

RASTER_MAX_ROWS = 1024  # GS v 0 band height: printers accept up to ~2303 rows, we stay well below

# Real-time status (DLE EOT n). Every answer byte has bit 1 and bit 4 set and bits 0 and 7 clear.
STATUS_PRINTER = 1
STATUS_OFFLINE_CAUSE = 2
STATUS_ERROR_CAUSE = 3
STATUS_PAPER = 4
STATUS_FIXED_MASK = 0x93
STATUS_FIXED_BITS = 0x12
STATUS_BIT_OFFLINE = 0x08  # n=1, bit 3
STATUS_BIT_COVER_OPEN = 0x04  # n=2, bit 2
STATUS_BIT_PAPER_STOP = 0x20  # n=2, bit 5: printing stopped because the paper ran out
STATUS_BIT_ERROR = 0x40  # n=2, bit 6
STATUS_BITS_NEAR_END = 0x0C  # n=4, bits 2-3
STATUS_BITS_PAPER_END = 0x60  # n=4, bits 5-6


def status_request(n: int) -> bytes:
    return DLE + EOT + bytes([n])


def status_answer(n: int, *, offline: bool = False, cover_open: bool = False, paper_end: bool = False,
                  near_end: bool = False, error: bool = False) -> bytes:
    """The byte a printer in that condition answers to DLE EOT n (for the simulator and tests)."""
    value = STATUS_FIXED_BITS
    if n == STATUS_PRINTER and offline:
        value |= STATUS_BIT_OFFLINE
    elif n == STATUS_OFFLINE_CAUSE:
        if cover_open:
            value |= STATUS_BIT_COVER_OPEN
        if paper_end:
            value |= STATUS_BIT_PAPER_STOP
        if error:
            value |= STATUS_BIT_ERROR
    elif n == STATUS_PAPER:
        if paper_end:
            value |= STATUS_BITS_NEAR_END | STATUS_BITS_PAPER_END  # the near-end sensor sees no paper too
        elif near_end:
            value |= STATUS_BITS_NEAR_END
    return bytes([value])


@dataclass(frozen=True)
class PrinterStatusBits:
    """The decoded answers to DLE EOT 1, 2 and 4."""

    offline: bool
    cover_open: bool
    paper_end: bool
    near_end: bool
    error: bool


def valid_status_byte(value: int) -> bool:
    return value & STATUS_FIXED_MASK == STATUS_FIXED_BITS


def decode_status(printer: int, offline_cause: int, paper: int) -> PrinterStatusBits:
    return PrinterStatusBits(
        offline=bool(printer & STATUS_BIT_OFFLINE),
        cover_open=bool(offline_cause & STATUS_BIT_COVER_OPEN),
        paper_end=bool(paper & STATUS_BITS_PAPER_END) or bool(offline_cause & STATUS_BIT_PAPER_STOP),
        near_end=bool(paper & STATUS_BITS_NEAR_END),
        error=bool(offline_cause & STATUS_BIT_ERROR),
    )


def align(where: str) -> bytes:
    return ESC + b"a" + bytes([ALIGN_CODES[where]])


def bold(on: bool) -> bytes:
    return ESC + b"E" + bytes([1 if on else 0])


def char_size(width: int, height: int) -> bytes:
    """GS ! n: magnification 1..8 in each direction."""
    w = min(max(width, 1), 8) - 1
    h = min(max(height, 1), 8) - 1
    return GS + b"!" + bytes([(w << 4) | h])


def feed_lines(n: int) -> bytes:
    return ESC + b"d" + bytes([min(max(n, 0), 255)])


def cut(partial: bool = True, feed_dots: int = 0) -> bytes:
    """GS V 65/66 n: feed n dots to the cutter, then cut."""
    return GS + b"V" + bytes([66 if partial else 65, min(max(feed_dots, 0), 255)])


def is_ascii(text: str) -> bool:
    return all(ord(c) < 0x80 for c in text)


def encode_text(text: str, *, kanji: bool = True) -> bytes:
    """Text as printer bytes: ASCII as is, every other run inside FS & … FS . in Shift_JIS.

    Without Kanji mode, non-ASCII characters become '?' (the driver renders such lines as raster instead).
    """
    if not kanji:
        return text.encode("ascii", errors="replace")
    out = bytearray()
    run: list[str] = []

    def flush() -> None:
        if run:
            out.extend(KANJI_ON + "".join(run).encode(KANJI_ENCODING, errors="replace") + KANJI_OFF)
            run.clear()

    for ch in text:
        if ord(ch) < 0x80:
            flush()
            out.extend(ch.encode("ascii"))
        else:
            run.append(ch)
    flush()
    return bytes(out)


def code128_payload(data: str) -> bytes:
    """Code128 code set B data, with the '{B' prefix printers expect and '{' escaped as '{{'."""
    if not data or any(not (0x20 <= ord(c) <= 0x7E) for c in data):
        raise ValueError(f"Code128 (code set B) takes printable ASCII only: {data!r}")
    return CODE128_SET_B + data.replace("{", "{{").encode("ascii")


def barcode_code128(data: str, *, height: int = 80, module_width: int = 2, hri_below: bool = True) -> bytes:
    payload = code128_payload(data)
    if len(payload) > 255:
        raise ValueError("Code128 data too long")
    return (
        GS + b"h" + bytes([min(max(height, 1), 255)])
        + GS + b"w" + bytes([min(max(module_width, 1), 6)])
        + GS + b"H" + bytes([2 if hri_below else 0])
        + GS + b"f" + b"\x00"
        + GS + b"k" + bytes([CODE128, len(payload)]) + payload
    )


def code128_width_dots(data: str, module_width: int) -> int:
    """Printed width of a code set B symbol: start + data + check (11 modules each) + stop (13)."""
    return (11 * (len(data) + 2) + 13) * module_width


def _gs_k(fn: int, params: bytes) -> bytes:
    size = len(params) + 2
    return GS + b"(k" + bytes([size & 0xFF, size >> 8, QR_CN, fn]) + params


def qr_code(data: str, *, module_size: int = 6, error_level: str = "M") -> bytes:
    """Native QR (GS ( k): model 2, module size, error correction, store, print."""
    payload = data.encode("utf-8")
    if len(payload) > 7089:
        raise ValueError("QR data too long")
    return (
        _gs_k(QR_FN_MODEL, b"\x32\x00")
        + _gs_k(QR_FN_SIZE, bytes([min(max(module_size, 1), 16)]))
        + _gs_k(QR_FN_ERROR, bytes([QR_ERROR_LEVELS[error_level]]))
        + _gs_k(QR_FN_STORE, b"\x30" + payload)
        + _gs_k(QR_FN_PRINT, b"\x30")
    )


def raster_image(width_px: int, height_px: int, rows: bytes) -> bytes:
    """GS v 0 bands of a packed 1-bit image (1 = black dot, rows padded to whole bytes)."""
    row_bytes = (width_px + 7) // 8
    if len(rows) != row_bytes * height_px:
        raise ValueError("raster data does not match its size")
    out = bytearray()
    for top in range(0, height_px, RASTER_MAX_ROWS):
        band = min(RASTER_MAX_ROWS, height_px - top)
        out += GS + b"v0\x00" + bytes([row_bytes & 0xFF, row_bytes >> 8, band & 0xFF, band >> 8])
        out += rows[top * row_bytes:(top + band) * row_bytes]
    return bytes(out)
