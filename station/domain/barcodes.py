"""What the counter scans (or a clerk types), parsed into typed values. Pure: text in, value out.

Three formats, told apart by their shape (all case-insensitive; full-width characters typed on a
Japanese IME are normalised with NFKC first, spaces are ignored):

**Visitor's ticket** (整理券), printed as Code128: ``TK-`` + the ticket id in decimal (1–9 digits, no
sign), e.g. ``TK-1234`` → ``TicketCode(ticket_id=1234)``. The hyphen is required, which keeps tickets
apart from notice numbers whose prefix happens to be ``TK…``.

**Issuance notice number** (交付通知書番号), from the notice's QR code or typed: three letters/digits, a
hyphen, six digits, e.g. ``AB1-234567``; the hyphen may be left out, and any dash a Japanese IME produces
(``－``, ``ー``, ``−``, ``‐`` …) counts as the hyphen. Canonical form: upper case with the hyphen.
The LAST of the six digits is a check digit over the other eight characters (the "body", e.g.
``AB123456``), computed like an ISIN (ISO 6166) check digit:

1. expand the body to a string of digits: a digit stays itself; a letter becomes its two-digit value
   ``A=10, B=11, … Z=35`` (so ``AB123456`` → ``1011123456``);
2. Luhn over that string: from the rightmost digit leftwards, double every other digit starting with
   the rightmost, subtract 9 from any product over 9, and add everything up;
3. check digit = ``(10 - sum mod 10) mod 10``.

So ``AB1-23456`` gets check digit 2 → ``AB1-234562``. This catches every single mistyped digit and
most swaps of neighbouring digits, which are the typing errors clerks make.

**Card-stock box label** (カード保管箱ラベル): ``BOX-`` + the box number as exactly four digits,
``BOX-0012`` → ``BoxLabel(box_no=12)``. The hyphen is required; a notice number with prefix ``BOX`` has
six digits and is read as a notice.

``classify_scan`` decides which of the three a text is; anything else raises ``BarcodeError`` with a
reason in Japanese and English that a clerk can act on.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

TICKET_PREFIX = "TK-"
BOX_PREFIX = "BOX-"
_READ_FAIL_JA = "バーコードを読み取れませんでした"
_READ_FAIL_EN = "could not read the barcode"

# Dashes a Japanese IME or a word processor may produce where the clerk meant "-" (after NFKC).
_DASHES = "‐‑‒–—―−ー﹘"
_DASH_TABLE = str.maketrans(dict.fromkeys(_DASHES, "-"))

_NOTICE_RE = re.compile(r"([A-Z0-9]{3})-?([0-9]{6})")
# Text shaped enough like a notice number that the clerk deserves the notice-specific reason.
_NOTICE_LOOSE_RE = re.compile(r"[A-Z0-9]{2,5}-[0-9]{3,8}|[A-Z0-9]{8,11}")
_TICKET_RE = re.compile(r"TK-([0-9]{1,9})")
_BOX_RE = re.compile(r"BOX-([0-9]{4})")


class BarcodeError(ValueError):
    """A scanned or typed code that is not valid; the message says why, in Japanese first."""

    def __init__(self, message_ja: str, message_en: str) -> None:
        super().__init__(f"{message_ja} / {message_en}")
        self.message_ja = message_ja
        self.message_en = message_en


@dataclass(frozen=True)
class TicketCode:
    ticket_id: int

    @property
    def text(self) -> str:
        return make_ticket_code(self.ticket_id)


@dataclass(frozen=True)
class NoticeNumber:
    prefix: str  # three upper-case letters/digits
    digits: str  # six digits, the last one the check digit

    @property
    def canonical(self) -> str:
        return f"{self.prefix}-{self.digits}"

    def __str__(self) -> str:
        return self.canonical


@dataclass(frozen=True)
class BoxLabel:
    box_no: int

    @property
    def text(self) -> str:
        return make_box_label(self.box_no)


def normalize_input(text: str) -> str:
    """Full-width → half-width (NFKC), every dash → "-", spaces removed, upper case."""
    text = unicodedata.normalize("NFKC", text).translate(_DASH_TABLE)
    return "".join(text.split()).upper()


# --- ticket --------------------------------------------------------------------------------

def make_ticket_code(ticket_id: int) -> str:
    if not 1 <= ticket_id <= 999_999_999:
        raise ValueError(f"ticket id out of range: {ticket_id}")
    return f"{TICKET_PREFIX}{ticket_id}"


def parse_ticket_code(text: str) -> TicketCode:
    norm = normalize_input(text)
    m = _TICKET_RE.fullmatch(norm)
    if m is None or int(m.group(1)) == 0:
        raise BarcodeError(
            "整理券の番号が正しくありません（例: TK-1234）",
            "not a valid ticket code (e.g. TK-1234)",
        )
    return TicketCode(int(m.group(1)))


# --- issuance notice number ------------------------------------------------------------------

def _expand(body: str) -> str:
    return "".join(ch if ch.isdigit() else str(ord(ch) - ord("A") + 10) for ch in body)


def notice_check_digit(body: str) -> str:
    """The check digit for a notice body (three letters/digits + five digits; a hyphen is ignored)."""
    norm = normalize_input(body).replace("-", "")
    if re.fullmatch(r"[A-Z0-9]{3}[0-9]{5}", norm) is None:
        raise ValueError(f"a notice body is three letters/digits and five digits, not {body!r}")
    total = 0
    for i, ch in enumerate(reversed(_expand(norm))):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def make_notice_number(prefix3: str, five_digits: str | int) -> str:
    """The canonical printed notice number, check digit included (for test data and stock import)."""
    digits = f"{five_digits:05d}" if isinstance(five_digits, int) else five_digits
    body = normalize_input(prefix3) + normalize_input(digits)
    check = notice_check_digit(body)  # validates the shape too
    return f"{body[:3]}-{body[3:]}{check}"


def parse_notice_number(text: str) -> NoticeNumber:
    """Accepts the QR content or what a clerk typed; raises BarcodeError with the reason."""
    norm = normalize_input(text)
    m = _NOTICE_RE.fullmatch(norm)
    if m is None:
        raise BarcodeError(
            "交付通知書番号の形式が正しくありません（英数字3文字・ハイフン・数字6桁、例: AB1-234567）",
            "issuance notice number must be 3 letters/digits, a hyphen and 6 digits (e.g. AB1-234567)",
        )
    prefix, digits = m.group(1), m.group(2)
    if notice_check_digit(prefix + digits[:5]) != digits[5]:
        raise BarcodeError(
            "交付通知書番号のチェックディジットが一致しません（番号をご確認ください）",
            "issuance notice number check digit does not match (please check the number)",
        )
    return NoticeNumber(prefix, digits)


# --- card-stock box label ----------------------------------------------------------------------

def make_box_label(box_no: int) -> str:
    if not 1 <= box_no <= 9999:
        raise ValueError(f"box number out of range: {box_no}")
    return f"{BOX_PREFIX}{box_no:04d}"


def parse_box_label(text: str) -> BoxLabel:
    norm = normalize_input(text)
    m = _BOX_RE.fullmatch(norm)
    if m is None or int(m.group(1)) == 0:
        raise BarcodeError(
            "カード保管箱ラベルの番号が正しくありません（例: BOX-0012）",
            "not a valid card box label (e.g. BOX-0012)",
        )
    return BoxLabel(int(m.group(1)))


# --- what was scanned? ---------------------------------------------------------------------------

def classify_scan(text: str) -> TicketCode | NoticeNumber | BoxLabel:
    """Decide which kind of code ``text`` is and parse it; BarcodeError says why it is none."""
    norm = normalize_input(text)
    try:
        if not norm:
            raise BarcodeError("データが空です", "the code is empty")
        if norm.startswith(TICKET_PREFIX):
            return parse_ticket_code(norm)
        if norm.startswith(BOX_PREFIX) and not _NOTICE_RE.fullmatch(norm):
            return parse_box_label(norm)
        if _NOTICE_LOOSE_RE.fullmatch(norm):
            return parse_notice_number(norm)
        raise BarcodeError(
            "整理券・交付通知書・カード保管箱ラベルのいずれの形式でもありません",
            "not a ticket, an issuance notice number or a card box label",
        )
    except BarcodeError as exc:
        ja, en = f"{_READ_FAIL_JA}: {exc.message_ja}", f"{_READ_FAIL_EN}: {exc.message_en}"
        raise BarcodeError(ja, en) from None
