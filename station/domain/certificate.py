"""What a card read means at the counter: certificate state (D-INS-1, D-INS-3) and PIN state (D-OTH-1).

Pure: the date comes in as an argument. The certificate's expiry is taken as a date in Asia/Tokyo,
because that is the date printed on the notice the visitor holds.
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
import hashlib
from dataclasses import dataclass, field
from typing import Protocol

from station.domain.said import Said, Words
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


# A verdict's line: a catalog code (station/messages/*/certificate.json) with `ja` / `en` for the edge.
Message = Said


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
    # Which card this is (a digest of its certificate's serial and expiry, nothing personal): a renewal's
    # old-card tap must be another card than the new one, not the same card tapped again.
    card_key: str | None = None

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
            "card_key": self.card_key,
        }


PIN_NAMES: dict[str, Said] = {name: Said(f"certificate.pin.{name}") for name in ("auth", "sign", "assist")}


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months, clamped to the month's last day (11-30 + 3 months = 02-28/29)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def jdate(day: dt.date) -> Words:
    """A date as each language writes it (2030年3月10日 / 2030-03-10)."""
    return Words(f"{day.year}年{day.month}月{day.day}日", day.isoformat())


def expiry_date(not_after: dt.datetime) -> dt.date:
    if not_after.tzinfo is None:
        not_after = not_after.replace(tzinfo=dt.UTC)
    return not_after.astimezone(TOKYO).date()


def cert_state(expires_on: dt.date, today: dt.date, renew_within_months: int = RENEW_WITHIN_MONTHS) -> CertState:
    if expires_on < today:
        return CertState.EXPIRED
    if expires_on <= add_months(today, renew_within_months):
        return CertState.RENEW_SOON
    return CertState.VALID


def card_key(info: CardFacts) -> str | None:
    """One card's identity for telling two taps apart: its certificate's serial and expiry, digested."""
    if not info.is_my_number_card:
        return None
    serial = getattr(info, "cert_serial", None)
    not_after = info.cert_not_after.isoformat() if info.cert_not_after else "-"
    return hashlib.sha256(f"{serial}:{not_after}".encode()).hexdigest()[:16]


def card_verdict(info: CardFacts, today: dt.date, renew_within_months: int = RENEW_WITHIN_MONTHS) -> CardVerdict:
    """What the card on the reader means; `renew_within_months` is the catalog's [rules] setting (D-INS-3)."""
    if not info.is_my_number_card:
        return CardVerdict(False, CertState.UNKNOWN, None, None, False, (), (), (
            Said("certificate.not_my_number_card"),))
    messages: list[Message] = []
    warnings: list[Message] = []
    expires_on = expiry_date(info.cert_not_after) if info.cert_not_after else None
    days = (expires_on - today).days if expires_on else None
    state = cert_state(expires_on, today, renew_within_months) if expires_on else CertState.UNKNOWN
    if state is CertState.EXPIRED:
        messages.append(Said.of("certificate.expired", date=jdate(expires_on)))
    elif state is CertState.RENEW_SOON:
        messages.append(Said.of("certificate.renew_soon", days=days, date=jdate(expires_on)))
    elif state is CertState.VALID:
        messages.append(Said.of("certificate.valid", date=jdate(expires_on)))
    pins: dict[str, PinFacts | None] = {
        "auth": info.auth_pin, "sign": info.sign_pin, "assist": info.assist_pin}
    locked = tuple(name for name, pin in pins.items() if pin is not None and pin.locked)
    for name in locked:
        messages.append(Said.of("certificate.pin_locked", pin=PIN_NAMES[name]))
    for name, pin in pins.items():
        if pin is not None and not pin.locked and pin.tries_left == 1:
            warnings.append(Said.of("certificate.pin_one_try", pin=PIN_NAMES[name]))
    return CardVerdict(True, state, expires_on, days, bool(locked), locked, tuple(warnings), tuple(messages),
                       card_key=card_key(info))
