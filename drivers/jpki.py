"""The JPKI (My Number Card) protocol, kept free of any transport so it can be tested in-process.

Everything the counter needs from a card is readable without a PIN: that the JPKI application exists,
the user-authentication certificate, and the retry counters of three PINs (VERIFY with no data costs no
try). The individual number lives in EF 0001 of the form-input-assist application; this module has no
constant for it and no function that could select it, so no caller can read it by mistake.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography import x509

# --- identifiers -----------------------------------------------------------------------------------

JPKI_AID = bytes.fromhex("D392F000260100000001")
"""JPKI application (利用者証明用・署名用電子証明書)."""
ASSIST_AID = bytes.fromhex("D3921000310001010408")
"""券面入力補助AP (form-input-assist application). Only its PIN EF is ever selected here."""

EF_AUTH_CERT = 0x000A   # 利用者証明用電子証明書: readable without PIN
EF_AUTH_CA_CERT = 0x000B
EF_SIGN_CERT = 0x0001   # 署名用電子証明書 (JPKI AP): needs the signature PIN; never read by the driver
EF_SIGN_CA_CERT = 0x0002
EF_AUTH_PIN = 0x0018
EF_SIGN_PIN = 0x001B
EF_ASSIST_PIN = 0x0011

AUTH_PIN_MAX_TRIES = 3
SIGN_PIN_MAX_TRIES = 5
ASSIST_PIN_MAX_TRIES = 3

JPKI_ATR = bytes.fromhex("3BE000FF8131FE4514")
"""ATR OpenSC's jpki driver matches; real cards of other makers may differ, so SELECT decides."""

CERT_HEADER_LEN = 4
"""A DER certificate starts 30 82 HH LL: four bytes are enough to learn the full length."""
SHORT_CHUNK = 256
"""Largest short-APDU READ BINARY answer (Le = 00)."""

# --- status words ------------------------------------------------------------------------------------

SW_OK = 0x9000
SW_END_OF_FILE = 0x6282         # fewer bytes than Le: end of file reached
SW_WRONG_LENGTH = 0x6700
SW_SECURITY_NOT_SATISFIED = 0x6982
SW_PIN_BLOCKED = 0x6983
SW_CONDITIONS_NOT_SATISFIED = 0x6985
SW_WRONG_DATA = 0x6A80
SW_FUNC_NOT_SUPPORTED = 0x6A81
SW_FILE_NOT_FOUND = 0x6A82
SW_WRONG_P1P2 = 0x6A86
SW_WRONG_OFFSET = 0x6B00
SW_INS_NOT_SUPPORTED = 0x6D00
SW_CLA_NOT_SUPPORTED = 0x6E00


def sw_tries_left(sw: int) -> int | None:
    """63Cx → x; None for any other status word."""
    return sw & 0x0F if (sw & 0xFFF0) == 0x63C0 else None


# --- errors ------------------------------------------------------------------------------------------


class CardError(Exception):
    """A card-reading failure with a message a clerk can act on, Japanese first."""

    message_ja: str = "カードを読み取れませんでした"
    message_en: str = "The card could not be read"
    code = "card.unreadable"  # message code (station/messages/*/devices.json)

    def __init__(self, detail: str = "") -> None:
        super().__init__(f"{self.message_ja} ({self.message_en}){': ' + detail if detail else ''}")
        self.detail = detail


class NoReader(CardError):
    message_ja = "カードリーダーが見つかりません"
    message_en = "No card reader found"
    code = "card.no_reader"


class ReaderUnplugged(CardError):
    message_ja = "カードリーダーが外れました。接続を確認してください"
    message_en = "The card reader was unplugged; check its connection"
    code = "card.reader_unplugged"


class CardRemovedDuringRead(CardError):
    message_ja = "カードを置き直してください"
    message_en = "Please place the card on the reader again"
    code = "card.removed_during_read"


class NotMyNumberCard(CardError):
    message_ja = "マイナンバーカードではありません"
    message_en = "This is not a My Number Card"
    code = "card.not_my_number_card"


class CardMute(CardError):
    message_ja = "カードが応答しません。カードの向きを確認して置き直してください"
    message_en = "The card does not respond; check its orientation and place it again"
    code = "card.mute"


class NoCard(CardError):
    message_ja = "カードが置かれていません"
    message_en = "No card on the reader"
    code = "card.no_card"


class UnexpectedStatusWord(CardError):
    message_ja = "カードから想定外の応答がありました"
    message_en = "The card gave an unexpected answer"
    code = "card.unexpected_answer"

    def __init__(self, sw: int, command: str = "") -> None:
        self.sw = sw
        self.command = command
        super().__init__(f"{command} SW={sw:04X}")


# --- command builders ----------------------------------------------------------------------------------


def select_df_name(aid: bytes) -> bytes:
    """SELECT by DF name, no FCI wanted (P2=0C): case 3."""
    return bytes([0x00, 0xA4, 0x04, 0x0C, len(aid)]) + aid


def select_ef(fid: int) -> bytes:
    """SELECT EF by file id under the current DF (P1=02), no FCI."""
    return bytes([0x00, 0xA4, 0x02, 0x0C, 0x02, fid >> 8, fid & 0xFF])


def read_binary(offset: int, le: int, *, extended: bool = False) -> bytes:
    """READ BINARY at a 15-bit offset; Le up to 256 short, up to 65536 extended (0 encodes the max)."""
    if not 0 <= offset <= 0x7FFF:
        raise ValueError(f"offset out of range: {offset}")
    head = bytes([0x00, 0xB0, offset >> 8, offset & 0xFF])
    if extended:
        if not 1 <= le <= 65536:
            raise ValueError(f"extended Le out of range: {le}")
        return head + bytes([0x00, (le >> 8) & 0xFF, le & 0xFF])
    if not 1 <= le <= SHORT_CHUNK:
        raise ValueError(f"short Le out of range: {le}")
    return head + bytes([le & 0xFF])


def verify_status() -> bytes:
    """VERIFY without data for the selected PIN EF: answers the retry counter, spends no try."""
    return bytes([0x00, 0x20, 0x00, 0x80])


# --- values ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PinState:
    """How many tries a PIN has left (None when the card would not say) and whether it is locked."""

    tries_left: int | None
    locked: bool

    @classmethod
    def from_sw(cls, sw: int, command: str) -> PinState:
        if sw == SW_PIN_BLOCKED:
            return cls(tries_left=0, locked=True)
        tries = sw_tries_left(sw)
        if tries is not None:
            return cls(tries_left=tries, locked=tries == 0)
        raise UnexpectedStatusWord(sw, command)

    def as_dict(self) -> dict[str, object]:
        return {"tries_left": self.tries_left, "locked": self.locked}


@dataclass(frozen=True)
class CardInfo:
    """What the driver learnt from one card; nothing personal (no number, name or address)."""

    card_present: bool
    is_my_number_card: bool
    atr: str = ""
    cert_not_before: dt.datetime | None = None
    cert_not_after: dt.datetime | None = None
    cert_serial: int | None = None
    cert_issuer: str = ""
    auth_pin: PinState | None = None
    sign_pin: PinState | None = None
    assist_pin: PinState | None = None
    apdu_count: int = 0
    extended_length: bool = False
    notes: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, object]:
        def pin(p: PinState | None) -> dict[str, object] | None:
            return p.as_dict() if p else None

        return {
            "card_present": self.card_present,
            "is_my_number_card": self.is_my_number_card,
            "atr": self.atr,
            "cert_not_before": self.cert_not_before.isoformat() if self.cert_not_before else None,
            "cert_not_after": self.cert_not_after.isoformat() if self.cert_not_after else None,
            "cert_serial": f"{self.cert_serial:X}" if self.cert_serial is not None else None,
            "cert_issuer": self.cert_issuer,
            "auth_pin": pin(self.auth_pin),
            "sign_pin": pin(self.sign_pin),
            "assist_pin": pin(self.assist_pin),
            "apdu_count": self.apdu_count,
        }


def der_total_length(header: bytes) -> int:
    """Total length of a DER SEQUENCE from its first bytes (tag, length octets)."""
    if len(header) < 2 or header[0] != 0x30:
        raise ValueError("not a DER SEQUENCE")
    first = header[1]
    if first < 0x80:
        return 2 + first
    n = first & 0x7F
    if n == 0 or n > 3 or len(header) < 2 + n:
        raise ValueError("unsupported DER length form")
    return 2 + n + int.from_bytes(header[2 : 2 + n], "big")


# --- the read -------------------------------------------------------------------------------------------

Transmit = Callable[[bytes], tuple[bytes, int]]
"""Send one C-APDU, get (response data, SW1SW2). Transports raise their own errors for lost cards."""


class ExtendedLengthRefused(Exception):
    """The transport (reader or pcscd) cannot carry an extended APDU; fall back to short ones."""


class _Counter:
    def __init__(self, transmit: Transmit) -> None:
        self._transmit = transmit
        self.count = 0

    def __call__(self, apdu: bytes) -> tuple[bytes, int]:
        self.count += 1
        return self._transmit(apdu)


def _expect_ok(tx: _Counter, apdu: bytes, what: str) -> bytes:
    data, sw = tx(apdu)
    if sw != SW_OK:
        raise UnexpectedStatusWord(sw, what)
    return data


def _pin_state(tx: _Counter, fid: int, what: str) -> PinState:
    _expect_ok(tx, select_ef(fid), f"SELECT {what}")
    _, sw = tx(verify_status())
    return PinState.from_sw(sw, f"VERIFY {what}")


def read_certificate(tx: Transmit, *, extended: bool) -> tuple[bytes, bool]:
    """Read the selected certificate EF: header, then the rest in one extended or few short reads.

    Returns the DER bytes and whether extended length was used, so the caller can remember a refusal
    and not pay for the failed try again.
    """
    header, sw = tx(read_binary(0, CERT_HEADER_LEN))
    if sw != SW_OK or len(header) < CERT_HEADER_LEN:
        raise UnexpectedStatusWord(sw, "READ BINARY header")
    try:
        total = der_total_length(header)
    except ValueError as exc:
        raise UnexpectedStatusWord(sw, f"certificate header {header.hex()}: {exc}") from exc
    out = bytearray(header)
    if extended and total - len(out) > SHORT_CHUNK:
        try:
            data, sw = tx(read_binary(len(out), total - len(out), extended=True))
        except ExtendedLengthRefused:
            data, sw = b"", SW_WRONG_LENGTH
        if sw in (SW_OK, SW_END_OF_FILE) and data:
            out += data
        elif sw in (SW_WRONG_LENGTH, SW_WRONG_P1P2, SW_FUNC_NOT_SUPPORTED, SW_INS_NOT_SUPPORTED) or (
            sw & 0xFF00 == 0x6C00
        ):
            extended = False
        else:
            raise UnexpectedStatusWord(sw, "READ BINARY (extended)")
    else:
        extended = False
    while len(out) < total:
        le = min(SHORT_CHUNK, total - len(out))
        data, sw = tx(read_binary(len(out), le))
        if sw not in (SW_OK, SW_END_OF_FILE) or not data:
            raise UnexpectedStatusWord(sw, f"READ BINARY @{len(out)}")
        out += data
    return bytes(out[:total]), extended


def read_card(transmit: Transmit, atr: bytes = b"", *, extended: bool = True) -> CardInfo:
    """The whole no-PIN read, in the fewest APDUs: 11 with extended length, more with short reads.

    SELECT JPKI AP · SELECT 000A · READ header · READ rest · SELECT 0018 · VERIFY · SELECT 001B · VERIFY ·
    SELECT 券面入力補助AP · SELECT 0011 · VERIFY.
    """
    tx = _Counter(transmit)
    _, sw = tx(select_df_name(JPKI_AID))
    if sw != SW_OK:
        if sw in (SW_FILE_NOT_FOUND, SW_FUNC_NOT_SUPPORTED, SW_WRONG_P1P2, SW_INS_NOT_SUPPORTED,
                  SW_CLA_NOT_SUPPORTED, SW_WRONG_DATA):
            raise NotMyNumberCard(f"SELECT JPKI AP SW={sw:04X}")
        raise UnexpectedStatusWord(sw, "SELECT JPKI AP")
    _expect_ok(tx, select_ef(EF_AUTH_CERT), "SELECT auth cert")
    der, used_extended = read_certificate(tx, extended=extended)
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError as exc:
        raise UnexpectedStatusWord(SW_OK, f"certificate parse: {exc}") from exc
    auth = _pin_state(tx, EF_AUTH_PIN, "auth PIN")
    sign = _pin_state(tx, EF_SIGN_PIN, "sign PIN")
    _expect_ok(tx, select_df_name(ASSIST_AID), "SELECT assist AP")
    assist = _pin_state(tx, EF_ASSIST_PIN, "assist PIN")
    return CardInfo(
        card_present=True,
        is_my_number_card=True,
        atr=atr.hex().upper(),
        cert_not_before=cert.not_valid_before_utc,
        cert_not_after=cert.not_valid_after_utc,
        cert_serial=cert.serial_number,
        cert_issuer=cert.issuer.rfc4514_string(),
        auth_pin=auth,
        sign_pin=sign,
        assist_pin=assist,
        apdu_count=tx.count,
        extended_length=used_extended,
    )


MIN_APDUS_EXTENDED = 11
"""A full read with extended length: the count the tests assert."""


def min_apdus_short(cert_len: int) -> int:
    """A full read when only short APDUs pass: header + ceil(rest / 256) reads."""
    rest = cert_len - CERT_HEADER_LEN
    return 9 + 1 + -(-rest // SHORT_CHUNK)
