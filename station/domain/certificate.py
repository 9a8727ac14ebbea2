"""What a card read means at the counter: certificate state (D-INS-1, D-INS-3) and PIN state (D-OTH-1).

Pure: the date comes in as an argument. The certificate's expiry is taken as a date in Asia/Tokyo,
because that is the date printed on the notice the visitor holds.
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Protocol

from station.domain.timezone import TOKYO

RENEW_WITHIN_MONTHS = 3  # D-INS-3


class PinFacts(Protocol):
    """What the rule needs of one PIN: tries left, and whether it is locked."""

    @property
    def tries_left(self) -> int | None: ...
    @property
    def locked(self) -> bool: ...


class CardFacts(Protocol):
    """What the rule needs of a card read. The card-reader driver's `CardInfo` has these fields (the
    driver knows nothing of this module), so a read is judged as it comes, without pulling the driver's
    PC/SC library into the domain."""

    @property
    def is_my_number_card(self) -> bool: ...
    @property
    def cert_not_after(self) -> dt.datetime | None: ...
    @property
    def auth_pin(self) -> PinFacts | None: ...
    @property
    def sign_pin(self) -> PinFacts | None: ...
    @property
    def assist_pin(self) -> PinFacts | None: ...


class CertState(enum.StrEnum):
    VALID = "valid"
    RENEW_SOON = "renew_soon"
    EXPIRED = "expired"
    UNKNOWN = "unknown"  # not a My Number Card, or nothing could be read


@dataclass(frozen=True)
class Message:
    ja: str
    en: str


@dataclass(frozen=True)
class CardVerdict:
    is_my_number_card: bool
    cert_state: CertState
    expires_on: dt.date | None
    days_to_expiry: int | None
    needs_pin_reset: bool
    locked_pins: tuple[str, ...]
    warnings: tuple[Message, ...] = field(default=())
    messages: tuple[Message, ...] = field(default=())

    def as_dict(self) -> dict[str, object]:
        return {
            "is_my_number_card": self.is_my_number_card,
            "cert_state": self.cert_state.value,
            "expires_on": self.expires_on.isoformat() if self.expires_on else None,
            "days_to_expiry": self.days_to_expiry,
            "needs_pin_reset": self.needs_pin_reset,
            "locked_pins": list(self.locked_pins),
            "warnings": [{"ja": w.ja, "en": w.en} for w in self.warnings],
            "messages": [{"ja": m.ja, "en": m.en} for m in self.messages],
        }


PIN_NAMES: dict[str, Message] = {
    "auth": Message("利用者証明用電子証明書の暗証番号", "user-authentication PIN"),
    "sign": Message("署名用電子証明書の暗証番号", "signature PIN"),
    "assist": Message("券面事項入力補助用の暗証番号", "form-input-assist PIN"),
}


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months, clamped to the month's last day (11-30 + 3 months = 02-28/29)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def jdate(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def expiry_date(not_after: dt.datetime) -> dt.date:
    if not_after.tzinfo is None:
        not_after = not_after.replace(tzinfo=dt.UTC)
    return not_after.astimezone(TOKYO).date()


def cert_state(expires_on: dt.date, today: dt.date) -> CertState:
    if expires_on < today:
        return CertState.EXPIRED
    if expires_on <= add_months(today, RENEW_WITHIN_MONTHS):
        return CertState.RENEW_SOON
    return CertState.VALID


def card_verdict(info: CardFacts, today: dt.date) -> CardVerdict:
    if not info.is_my_number_card:
        return CardVerdict(False, CertState.UNKNOWN, None, None, False, (), (), (
            Message("マイナンバーカードではありません。カードを確認してください",
                    "This is not a My Number Card; check the card"),))
    messages: list[Message] = []
    warnings: list[Message] = []
    expires_on = expiry_date(info.cert_not_after) if info.cert_not_after else None
    days = (expires_on - today).days if expires_on else None
    state = cert_state(expires_on, today) if expires_on else CertState.UNKNOWN
    if state is CertState.EXPIRED:
        messages.append(Message(
            f"電子証明書の有効期限が切れています({jdate(expires_on)})。"
            "電子証明書の更新手続きをご案内ください",
            f"The electronic certificate expired on {expires_on}; guide the visitor to renew it"))
    elif state is CertState.RENEW_SOON:
        messages.append(Message(
            f"電子証明書の有効期限が近づいています(あと{days}日、{jdate(expires_on)}まで)。"
            "更新をご案内ください",
            f"The electronic certificate expires in {days} days ({expires_on}); "
            "guide the visitor to renew it"))
    elif state is CertState.VALID:
        messages.append(Message(f"電子証明書は有効です({jdate(expires_on)}まで)",
                                f"The electronic certificate is valid until {expires_on}"))
    pins: dict[str, PinFacts | None] = {
        "auth": info.auth_pin, "sign": info.sign_pin, "assist": info.assist_pin}
    locked = tuple(name for name, pin in pins.items() if pin is not None and pin.locked)
    for name in locked:
        messages.append(Message(
            f"{PIN_NAMES[name].ja}がロックされています。暗証番号の再設定が必要です",
            f"The {PIN_NAMES[name].en} is locked; a PIN reset is needed"))
    for name, pin in pins.items():
        if pin is not None and not pin.locked and pin.tries_left == 1:
            warnings.append(Message(
                f"{PIN_NAMES[name].ja}の残り回数は1回です。入力前にご本人へお伝えください(間違えるとロックされます)",
                f"Only 1 try left for the {PIN_NAMES[name].en}; tell the visitor before they type it "
                "(a wrong entry locks it)"))
    return CardVerdict(True, state, expires_on, days, bool(locked), locked, tuple(warnings), tuple(messages))
