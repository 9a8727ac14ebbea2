"""Certificate verdict (D-INS-3: renew within 3 months; D-OTH-1: locked PIN → reset)."""

from __future__ import annotations

import datetime as dt

import pytest

from drivers.cardreader import CardInfo, PinState
from station.domain.certificate import CertState, add_months, card_verdict
from station.domain.timezone import TOKYO

OK = PinState(3, False)


def info(expiry_jst: dt.date, auth: PinState = OK, sign: PinState = PinState(5, False),
         assist: PinState = OK) -> CardInfo:
    not_after = dt.datetime.combine(expiry_jst, dt.time(23, 59, 59), TOKYO).astimezone(dt.UTC)
    return CardInfo(True, True, cert_not_after=not_after, auth_pin=auth, sign_pin=sign, assist_pin=assist)


TODAY = dt.date(2026, 3, 10)


@pytest.mark.parametrize(
    ("expiry", "state", "days"),
    [
        (dt.date(2026, 3, 9), CertState.EXPIRED, -1),
        (dt.date(2026, 3, 10), CertState.RENEW_SOON, 0),      # last valid day
        (dt.date(2026, 6, 10), CertState.RENEW_SOON, 92),     # exactly 3 months
        (dt.date(2026, 6, 11), CertState.VALID, 93),          # one day beyond
        (dt.date(2030, 1, 1), CertState.VALID, None),
    ],
)
def test_three_month_boundary(expiry: dt.date, state: CertState, days: int | None) -> None:
    v = card_verdict(info(expiry), TODAY)
    assert v.cert_state is state
    assert v.expires_on == expiry
    if days is not None:
        assert v.days_to_expiry == days
    assert v.messages and v.messages[0].ja and v.messages[0].en


def test_expiry_is_the_tokyo_date() -> None:
    # 2026-06-10 15:30 UTC is already 2026-06-11 in Tokyo: beyond the 3-month window.
    i = CardInfo(True, True, cert_not_after=dt.datetime(2026, 6, 10, 15, 30, tzinfo=dt.UTC))
    assert card_verdict(i, TODAY).cert_state is CertState.VALID


def test_month_end_clamping() -> None:
    assert add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2027, 11, 30), 3) == dt.date(2028, 2, 29)


def test_locked_pins_need_reset_and_say_which() -> None:
    v = card_verdict(info(dt.date(2030, 1, 1), auth=PinState(0, True), assist=PinState(0, True)), TODAY)
    assert v.needs_pin_reset and v.locked_pins == ("auth", "assist")
    assert any("利用者証明用" in m.ja and "ロック" in m.ja for m in v.messages)
    assert any("券面事項入力補助用" in m.ja for m in v.messages)


def test_one_try_left_warns_the_clerk() -> None:
    v = card_verdict(info(dt.date(2030, 1, 1), sign=PinState(1, False)), TODAY)
    assert not v.needs_pin_reset
    assert len(v.warnings) == 1 and "署名用" in v.warnings[0].ja and "1回" in v.warnings[0].ja
    assert card_verdict(info(dt.date(2030, 1, 1)), TODAY).warnings == ()


def test_not_my_number_card() -> None:
    v = card_verdict(CardInfo(True, False), TODAY)
    assert v.cert_state is CertState.UNKNOWN and not v.is_my_number_card
    assert v.messages[0].ja.startswith("マイナンバーカードではありません")
