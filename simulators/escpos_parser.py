"""An incremental ESC/POS parser: bytes in, printer events out. Pure: no sockets, no clock, no images.

It accepts what a real Epson-compatible printer accepts, command by command, so a driver tested against
it is tested against the protocol: a command split across TCP reads waits for the rest; an unknown or
malformed command is recorded as `Unknown` and skipped, never an exception (a printer does not crash on
garbage, it prints garbage).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from drivers import escpos_codes as codes

MAX_BLOCK = 16 * 1024 * 1024  # a length field above this is treated as garbage, not waited for
MAX_NUL_DATA = 255  # GS k m<=6 data longer than this without its NUL terminator is garbage

ALIGNS = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}
SYMBOLOGIES = {0: "UPC-A", 1: "UPC-E", 2: "EAN13", 3: "EAN8", 4: "CODE39", 5: "ITF", 6: "CODABAR",
               65: "UPC-A", 66: "UPC-E", 67: "EAN13", 68: "EAN8", 69: "CODE39", 70: "ITF", 71: "CODABAR",
               72: "CODE93", 73: "CODE128", 74: "GS1-128", 75: "GS1-OMNI", 76: "GS1-TRUNC",
               77: "GS1-LIMITED", 78: "GS1-EXPANDED", 79: "CODE128-AUTO"}
QR_LEVELS = {48: "L", 49: "M", 50: "Q", 51: "H"}

# commands with fixed length (bytes after the two-byte introducer), ignored apart from being recorded
_ESC_FIXED = {ord(c): n for c, n in {
    "2": 0, "3": 1, "M": 1, "R": 1, " ": 1, "V": 1, "{": 1, "r": 1, "=": 1, "U": 1, "T": 1, "e": 1,
    "$": 2, "\\": 2, "L": 0, "S": 0, "W": 8, "p": 3, "%": 1, "?": 1, "&": 0, "K": 1, "<": 0,
}.items()}
_GS_FIXED = {ord(c): n for c, n in {
    "B": 1, "b": 1, "L": 2, "W": 2, "P": 2, "a": 1, "r": 1, "I": 1, "T": 1, "$": 2, "\\": 2, "/": 1,
    "^": 3, ":": 0, "E": 1, "C": 0, "G": 1, "c": 0, "j": 1, "z": 1, "Z": 1, "x": 0, "g": 0,
}.items()}
_FS_FIXED = {ord(c): n for c, n in {
    "-": 1, "S": 2, "W": 1, "p": 2, "r": 1, "G": 1, "?": 0,
}.items()}


@dataclass(frozen=True)
class Style:
    width: int = 1
    height: int = 1
    bold: bool = False
    underline: bool = False
    align: str = "left"
    font_b: bool = False


@dataclass(frozen=True)
class Init:
    pass


@dataclass(frozen=True)
class Text:
    text: str
    style: Style
    kanji: bool  # came in Kanji mode (FS &)


@dataclass(frozen=True)
class Newline:
    pass


@dataclass(frozen=True)
class FeedLines:
    lines: int


@dataclass(frozen=True)
class FeedDots:
    dots: int


@dataclass(frozen=True)
class Barcode:
    symbology: str
    data: str
    height: int
    module_width: int
    hri: int  # 0 none, 1 above, 2 below, 3 both
    align: str
    code_set_selected: bool = True  # Code128: the data began with {A, {B or {C


@dataclass(frozen=True)
class QRCode:
    data: str
    module_size: int
    error_level: str
    align: str


@dataclass(frozen=True)
class Raster:
    width: int  # dots (whole bytes × 8)
    height: int
    rows: bytes  # packed, 1 = black
    scale: int  # m of GS v 0: 0 normal, 1 double width, 2 double height, 3 both
    align: str


@dataclass(frozen=True)
class Cut:
    partial: bool


@dataclass(frozen=True)
class StatusRequest:
    n: int


@dataclass(frozen=True)
class Unknown:
    command: bytes  # at most the first 16 bytes
    note: str = ""


Event = (Init | Text | Newline | FeedLines | FeedDots | Barcode | QRCode | Raster | Cut | StatusRequest
         | Unknown)


def decode_code128(raw: bytes) -> tuple[str, bool]:
    """Data text of a GS k 73 payload, following {A/{B/{C code set switches; and whether a set was chosen."""
    out: list[str] = []
    code_set = ""
    selected = len(raw) >= 2 and raw[0] == 0x7B and raw[1] in b"ABC"
    i = 0
    while i < len(raw):
        b = raw[i]
        if b == 0x7B and i + 1 < len(raw):
            c = chr(raw[i + 1])
            if c in "ABC":
                code_set = c
            elif c == "{":
                out.append("{")
            # {S shift, {1..{4 FNC: no data character of their own
            i += 2
            continue
        if code_set == "C":
            out.append(f"{b:02d}" if b < 100 else "?")
        else:
            out.append(chr(b) if 0x20 <= b < 0x7F else "?")
        i += 1
    return "".join(out), selected


# Runs of text decoded in one call instead of byte by byte (the simulator parses every ticket of a day):
# in Kanji mode whole Shift_JIS pairs, ASCII and half-width kana, decoded strictly (a run with an unmapped
# pair goes byte by byte, where the printer's own handling of it lives); otherwise code page 437.
_KANJI_RUN = re.compile(rb"(?:[\x81-\x9f\xe0-\xfc][\x40-\x7e\x80-\xfc]|[\x20-\x7e\xa1-\xdf])+")
_CP437_RUN = re.compile(rb"[\x20-\x7e\x80-\xff]+")


def _kanji_lead(b: int) -> bool:
    return 0x81 <= b <= 0x9F or 0xE0 <= b <= 0xFC


class EscPosParser:
    """Feed it bytes as they arrive; it returns the events complete so far and keeps the rest."""

    fast_text = True  # decode runs of text at once (a test compares it with the byte-wise path)

    def __init__(self) -> None:
        self._buf = bytearray()
        self.reset()

    def reset(self) -> None:
        """ESC @: back to the power-on state (the receive buffer is kept)."""
        self.style = Style()
        self.kanji = False
        self.code_page = 0
        self.barcode_height = 162
        self.barcode_width = 3
        self.hri = 0
        self.qr_size = 3
        self.qr_level = "L"
        self.qr_data = b""

    @property
    def pending(self) -> int:
        """Bytes waiting for the rest of their command."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[Event]:
        self._buf += data
        events: list[Event] = []
        text: list[str] = []
        text_key: tuple[Style, bool] | None = None
        i = 0
        buf = self._buf
        fast = self.fast_text
        while i < len(buf):
            b = buf[i]
            if b >= 0x20 and b != 0x7F:
                chunk = self._text_run(buf, i) if fast else None
                if chunk is not None:
                    key = (self.style, self.kanji)
                    if text and key != text_key:
                        events.append(Text("".join(text), *text_key))  # type: ignore[misc]
                        text = []
                    text_key = key
                    text.append(chunk[0])
                    i = chunk[1]
                    continue
                fast = False  # not a clean run: byte by byte until the next command
                decoded = self._text_char(buf, i)
                if decoded is None:
                    break
                ch, size = decoded
                key = (self.style, self.kanji)
                if text and key != text_key:
                    events.append(Text("".join(text), *text_key))  # type: ignore[misc]
                    text = []
                text_key = key
                text.append(ch)
                i += size
                continue
            fast = self.fast_text
            if text:
                events.append(Text("".join(text), *text_key))  # type: ignore[misc]
                text = []
            result = self._command(buf, i)
            if result is None:
                break
            size, event = result
            if event is not None:
                events.append(event)
            i += size
        if text:
            events.append(Text("".join(text), *text_key))  # type: ignore[misc]
        del self._buf[:i]
        return events

    def finish(self) -> list[Event]:
        """The stream ended: whatever is left is a truncated command."""
        if not self._buf:
            return []
        left = bytes(self._buf[:16])
        self._buf.clear()
        return [Unknown(left, "truncated")]

    # text ------------------------------------------------------------------------------------------
    def _text_run(self, buf: bytearray, i: int) -> tuple[str, int] | None:
        """A run of clean text from i decoded at once, and where it ends; None: take it byte by byte
        (a half-width kana code page, a lead byte at the end of the data, bytes that are not valid text)."""
        if not self.kanji and self.code_page == 1:
            return None
        run = (_KANJI_RUN if self.kanji else _CP437_RUN).match(buf, i)
        if run is None:
            return None
        try:
            return bytes(buf[i:run.end()]).decode(codes.KANJI_ENCODING if self.kanji else "cp437"), run.end()
        except UnicodeDecodeError:  # an unmapped pair: the byte-wise path says what the printer does
            return None

    def _text_char(self, buf: bytearray, i: int) -> tuple[str, int] | None:
        b = buf[i]
        if self.kanji:
            if _kanji_lead(b):
                if i + 1 >= len(buf):
                    return None
                return bytes(buf[i:i + 2]).decode(codes.KANJI_ENCODING, errors="replace"), 2
            if b < 0x80:
                return chr(b), 1
            if 0xA1 <= b <= 0xDF:
                return bytes([b]).decode(codes.KANJI_ENCODING), 1
            return "\ufffd", 1
        if self.code_page == 1 and 0xA1 <= b <= 0xDF:  # Katakana page: half-width kana
            return bytes([b]).decode(codes.KANJI_ENCODING), 1
        return bytes([b]).decode("cp437"), 1

    # commands --------------------------------------------------------------------------------------
    def _command(self, buf: bytearray, i: int) -> tuple[int, Event | None] | None:
        b = buf[i]
        if b == 0x0A:
            return 1, Newline()
        if b in (0x0D, 0x00):
            return 1, None
        if b == 0x09:
            return 1, Text(" ", self.style, self.kanji)
        if b == 0x10:
            return self._dle(buf, i)
        if b == 0x1B:
            return self._esc(buf, i)
        if b == 0x1D:
            return self._gs(buf, i)
        if b == 0x1C:
            return self._fs(buf, i)
        return 1, Unknown(bytes([b]), "control byte")

    @staticmethod
    def _have(buf: bytearray, i: int, n: int) -> bool:
        return len(buf) - i >= n

    def _dle(self, buf: bytearray, i: int) -> tuple[int, Event | None] | None:
        if not self._have(buf, i, 2):
            return None
        c = buf[i + 1]
        if c in (0x04, 0x05):
            if not self._have(buf, i, 3):
                return None
            n = buf[i + 2]
            if c == 0x04 and n in (7, 8):  # DLE EOT 7/8 a: one more parameter byte
                if not self._have(buf, i, 4):
                    return None
                return 4, StatusRequest(n)
            if c == 0x04:
                return 3, StatusRequest(n)
            return 3, Unknown(bytes(buf[i:i + 3]), "DLE ENQ")
        if c == 0x14:  # DLE DC4 fn …: pulse / power off / clear buffer; fn 1 takes 2 more, others 2 more
            if not self._have(buf, i, 5):
                return None
            return 5, Unknown(bytes(buf[i:i + 5]), "DLE DC4")
        return 1, Unknown(bytes(buf[i:i + 2]), "DLE ?")

    def _esc(self, buf: bytearray, i: int) -> tuple[int, Event | None] | None:
        if not self._have(buf, i, 2):
            return None
        c = buf[i + 1]
        if c == ord("@"):
            self.reset()
            return 2, Init()
        if c in (ord("i"), ord("m")):
            return 2, Cut(partial=c == ord("m"))
        if c == ord("*"):
            if not self._have(buf, i, 5):
                return None
            m, n = buf[i + 2], buf[i + 3] | buf[i + 4] << 8
            size = 5 + n * (3 if m in (32, 33) else 1)
            if not self._have(buf, i, size):
                return None
            return size, Unknown(bytes(buf[i:i + 5]), "ESC * bit image")
        if c == ord("D"):  # tab positions, NUL-terminated (at most 32)
            end = buf.find(b"\x00", i + 2, i + 2 + 33)
            if end < 0:
                if len(buf) - i < 35:
                    return None
                return 2, Unknown(bytes(buf[i:i + 2]), "ESC D without NUL")
            return end + 1 - i, None
        if c == ord("c"):  # ESC c 3/4/5 n
            if not self._have(buf, i, 4):
                return None
            return 4, None
        if c in _ESC_FIXED or c in b"!EG-adJt":
            n = _ESC_FIXED.get(c, 1)
            if not self._have(buf, i, 2 + n):
                return None
            return 2 + n, self._esc_param(c, buf[i + 2] if n else 0, bytes(buf[i:i + 2 + n]))
        return 2, Unknown(bytes(buf[i:i + 2]), "unknown ESC command")

    def _esc_param(self, c: int, n: int, raw: bytes) -> Event | None:
        s = self.style
        if c == ord("!"):
            self.style = replace(s, font_b=bool(n & 1), bold=bool(n & 8), height=2 if n & 16 else 1,
                                 width=2 if n & 32 else 1, underline=bool(n & 128))
        elif c in (ord("E"), ord("G")):
            self.style = replace(s, bold=bool(n & 1))
        elif c == ord("-"):
            self.style = replace(s, underline=bool(n & 3))
        elif c == ord("a"):
            self.style = replace(s, align=ALIGNS.get(n, s.align))
        elif c == ord("d"):
            return FeedLines(n)
        elif c == ord("J"):
            return FeedDots(n)
        elif c == ord("t"):
            self.code_page = n
        elif c == ord("M"):
            self.style = replace(s, font_b=bool(n & 1))
        else:
            return None  # understood and without visible effect in the simulation
        return None

    def _gs(self, buf: bytearray, i: int) -> tuple[int, Event | None] | None:
        if not self._have(buf, i, 2):
            return None
        c = buf[i + 1]
        if c in b"!hwHf":
            if not self._have(buf, i, 3):
                return None
            n = buf[i + 2]
            if c == ord("!"):
                self.style = replace(self.style, width=(n >> 4 & 7) + 1, height=(n & 7) + 1)
            elif c == ord("h"):
                self.barcode_height = max(n, 1)
            elif c == ord("w"):
                self.barcode_width = n if 1 <= n <= 6 else self.barcode_width
            elif c == ord("H"):
                self.hri = n & 3
            return 3, None
        if c == ord("k"):
            return self._barcode(buf, i)
        if c == ord("("):
            if not self._have(buf, i, 5):
                return None
            length = buf[i + 3] | buf[i + 4] << 8
            if not self._have(buf, i, 5 + length):
                return None
            params = bytes(buf[i + 5:i + 5 + length])
            if buf[i + 2] == ord("k"):
                return 5 + length, self._symbol(params)
            return 5 + length, Unknown(bytes(buf[i:i + 5]), "GS ( function")
        if c == ord("v"):
            return self._raster(buf, i)
        if c == ord("V"):
            if not self._have(buf, i, 3):
                return None
            m = buf[i + 2]
            if m in (0, 1, 48, 49):
                return 3, Cut(partial=m in (1, 49))
            if m in (65, 66, 97, 98, 103, 104):
                if not self._have(buf, i, 4):
                    return None
                return 4, Cut(partial=m in (66, 98, 104))
            return 3, Unknown(bytes(buf[i:i + 3]), "GS V with unknown mode")
        if c == ord("8"):  # GS 8 L p1 p2 p3 p4 …: 32-bit length
            if not self._have(buf, i, 7):
                return None
            length = int.from_bytes(buf[i + 3:i + 7], "little")
            if length > MAX_BLOCK:
                return 2, Unknown(bytes(buf[i:i + 7]), "GS 8 length too large")
            if not self._have(buf, i, 7 + length):
                return None
            return 7 + length, Unknown(bytes(buf[i:i + 7]), "GS 8 graphics")
        if c == ord("*"):  # define downloaded bit image: x × y × 8 bytes
            if not self._have(buf, i, 4):
                return None
            size = 4 + buf[i + 2] * buf[i + 3] * 8
            if not self._have(buf, i, size):
                return None
            return size, Unknown(bytes(buf[i:i + 4]), "GS * bit image")
        if c in _GS_FIXED:
            n = _GS_FIXED[c]
            if not self._have(buf, i, 2 + n):
                return None
            return 2 + n, None
        return 2, Unknown(bytes(buf[i:i + 2]), "unknown GS command")

    def _barcode(self, buf: bytearray, i: int) -> tuple[int, Event | None] | None:
        if not self._have(buf, i, 3):
            return None
        m = buf[i + 2]
        if m <= 6:
            end = buf.find(b"\x00", i + 3, i + 3 + MAX_NUL_DATA + 1)
            if end < 0:
                if len(buf) - i - 3 <= MAX_NUL_DATA:
                    return None
                return 3, Unknown(bytes(buf[i:i + 3]), "GS k data without NUL")
            raw, size = bytes(buf[i + 3:end]), end + 1 - i
        elif 65 <= m <= 79:
            if not self._have(buf, i, 4):
                return None
            n = buf[i + 3]
            if not self._have(buf, i, 4 + n):
                return None
            raw, size = bytes(buf[i + 4:i + 4 + n]), 4 + n
        else:
            return 3, Unknown(bytes(buf[i:i + 3]), "GS k unknown symbology")
        symbology = SYMBOLOGIES[m]
        selected = True
        if m == 73:
            data, selected = decode_code128(raw)
        else:
            data = raw.decode("latin-1")
        return size, Barcode(symbology, data, self.barcode_height, self.barcode_width, self.hri,
                             self.style.align, selected)

    def _symbol(self, params: bytes) -> Event | None:
        if len(params) < 2:
            return Unknown(b"\x1d(k" + params[:8], "GS ( k too short")
        cn, fn, rest = params[0], params[1], params[2:]
        if cn != codes.QR_CN:
            return Unknown(b"\x1d(k" + params[:8], "2D symbol other than QR")
        if fn == codes.QR_FN_SIZE and rest:
            self.qr_size = rest[0] if 1 <= rest[0] <= 16 else self.qr_size
        elif fn == codes.QR_FN_ERROR and rest:
            self.qr_level = QR_LEVELS.get(rest[0], self.qr_level)
        elif fn == codes.QR_FN_STORE and rest:
            self.qr_data = rest[1:]
        elif fn == codes.QR_FN_PRINT:
            return QRCode(self.qr_data.decode("utf-8", errors="replace"), self.qr_size, self.qr_level,
                          self.style.align)
        return None

    def _raster(self, buf: bytearray, i: int) -> tuple[int, Event | None] | None:
        if not self._have(buf, i, 8):
            return None
        if buf[i + 2] != ord("0"):
            return 3, Unknown(bytes(buf[i:i + 3]), "GS v other than 0")
        m = buf[i + 3]
        x = buf[i + 4] | buf[i + 5] << 8
        y = buf[i + 6] | buf[i + 7] << 8
        size = x * y
        if size > MAX_BLOCK:
            return 8, Unknown(bytes(buf[i:i + 8]), "GS v 0 too large")
        if not self._have(buf, i, 8 + size):
            return None
        rows = bytes(buf[i + 8:i + 8 + size])
        return 8 + size, Raster(x * 8, y, rows, m & 3, self.style.align)

    def _fs(self, buf: bytearray, i: int) -> tuple[int, Event | None] | None:
        if not self._have(buf, i, 2):
            return None
        c = buf[i + 1]
        if c == ord("&"):
            self.kanji = True
            return 2, None
        if c == ord("."):
            self.kanji = False
            return 2, None
        if c in (ord("C"), ord("!")):
            if not self._have(buf, i, 3):
                return None
            if c == ord("!"):
                n = buf[i + 2]
                if n & 0x0C:  # Kanji double width/height
                    self.style = replace(self.style, width=2 if n & 4 else 1, height=2 if n & 8 else 1)
            return 3, None
        if c == ord("2"):  # define a user Kanji: c1 c2 + 72 bytes
            if not self._have(buf, i, 76):
                return None
            return 76, Unknown(bytes(buf[i:i + 4]), "FS 2 user Kanji")
        if c in _FS_FIXED:
            n = _FS_FIXED[c]
            if not self._have(buf, i, 2 + n):
                return None
            return 2 + n, None
        return 2, Unknown(bytes(buf[i:i + 2]), "unknown FS command")
