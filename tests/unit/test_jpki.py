"""The JPKI protocol and the virtual card, in-process (no pcscd): fast checks of every status word."""

from __future__ import annotations

import inspect

import pytest

from drivers import cardreader, jpki
from simulators.card import InProcessTransport, VirtualCard, parse_apdu
from simulators.card_profiles import ASSIST_PIN, AUTH_PIN, SIGN_PIN, get_profile


def card(profile: str = "valid") -> tuple[VirtualCard, InProcessTransport]:
    c = VirtualCard(get_profile(profile))
    return c, InProcessTransport(c)


def sw(tx: InProcessTransport, apdu: bytes) -> int:
    return tx(apdu)[1]


def test_command_builders() -> None:
    assert jpki.select_df_name(jpki.JPKI_AID).hex().upper() == "00A4040C0AD392F000260100000001"
    assert jpki.select_ef(0x000A).hex().upper() == "00A4020C02000A"
    assert jpki.read_binary(0x0104, 4).hex().upper() == "00B0010404"
    assert jpki.read_binary(4, 256).hex().upper() == "00B0000400"
    assert jpki.read_binary(4, 1200, extended=True).hex().upper() == "00B00004" + "0004B0"
    assert jpki.verify_status().hex().upper() == "00200080"
    with pytest.raises(ValueError):
        jpki.read_binary(0, 257)


def test_der_length_and_pin_state() -> None:
    assert jpki.der_total_length(bytes.fromhex("308204d2")) == 0x4D2 + 4
    assert jpki.der_total_length(bytes.fromhex("3081a0")) == 0xA0 + 3
    assert jpki.PinState.from_sw(0x63C2, "x") == jpki.PinState(2, False)
    assert jpki.PinState.from_sw(0x6983, "x") == jpki.PinState(0, True)
    with pytest.raises(jpki.UnexpectedStatusWord) as exc:
        jpki.PinState.from_sw(0x6A82, "VERIFY")
    assert exc.value.sw == 0x6A82


def test_parse_apdu_cases() -> None:
    assert parse_apdu(bytes.fromhex("00200080")).le is None  # case 1
    assert parse_apdu(bytes.fromhex("00B0000000")).le == 256  # case 2 short, Le=00
    ext = parse_apdu(bytes.fromhex("00B00004000000"))
    assert ext is not None and ext.extended and ext.le == 65536
    assert parse_apdu(bytes.fromhex("00A4020C02000A")).data == b"\x00\x0a"  # case 3
    assert parse_apdu(bytes.fromhex("00A4020C03000A")) is None  # Lc lies


@pytest.mark.parametrize("profile", ["valid", "renew_soon", "expired", "auth_pin_locked", "sign_pin_low"])
def test_full_read_in_process_uses_minimum_apdus(profile: str) -> None:
    c, tx = card(profile)
    info = jpki.read_card(tx, c.atr)
    assert info.apdu_count == jpki.MIN_APDUS_EXTENDED == c.apdu_count
    assert info.extended_length
    p = get_profile(profile)
    assert info.auth_pin == jpki.PinState(p.auth_tries, p.auth_tries == 0)
    assert info.sign_pin == jpki.PinState(p.sign_tries, False)
    assert info.assist_pin == jpki.PinState(3, False)


def test_short_apdus_only_falls_back_and_counts() -> None:
    c, tx = card()

    def short_only(apdu: bytes) -> tuple[bytes, int]:
        if len(apdu) > 5 and apdu[4] == 0:
            return b"", jpki.SW_WRONG_LENGTH
        return tx(apdu)

    info = jpki.read_card(short_only, c.atr)
    cert_len = len(c.apps[jpki.JPKI_AID].files[jpki.EF_AUTH_CERT].data)
    assert not info.extended_length
    assert info.apdu_count == jpki.min_apdus_short(cert_len) + 1  # + the refused extended try
    c2, tx2 = card()
    assert jpki.read_card(tx2, c2.atr, extended=False).apdu_count == jpki.min_apdus_short(cert_len)


def test_not_my_number_card() -> None:
    c, tx = card("not_mynumber")
    assert sw(tx, jpki.select_df_name(jpki.JPKI_AID)) == 0x6A82
    with pytest.raises(jpki.NotMyNumberCard) as exc:
        jpki.read_card(tx, c.atr)
    assert "マイナンバーカードではありません" in str(exc.value)


def test_verify_counts_tries_locks_and_resets() -> None:
    c, tx = card()
    assert sw(tx, jpki.select_df_name(jpki.JPKI_AID)) == 0x9000
    assert sw(tx, jpki.select_ef(jpki.EF_AUTH_PIN)) == 0x9000
    assert sw(tx, jpki.verify_status()) == 0x63C3
    assert sw(tx, jpki.verify_status() + b"\x04" + b"0000") == 0x63C2
    assert sw(tx, jpki.verify_status()) == 0x63C2  # asking costs nothing
    assert sw(tx, jpki.verify_status() + b"\x04" + AUTH_PIN) == 0x9000
    assert sw(tx, jpki.verify_status()) == 0x63C3  # right PIN resets the counter
    for expected in (0x63C2, 0x63C1, 0x63C0):
        assert sw(tx, jpki.verify_status() + b"\x04" + b"9999") == expected
    assert sw(tx, jpki.verify_status()) == 0x6983
    assert sw(tx, jpki.verify_status() + b"\x04" + AUTH_PIN) == 0x6983  # locked stays locked
    assert c.pin_tries()["0018"] == 0


def test_sign_cert_needs_sign_pin() -> None:
    _c, tx = card()
    tx(jpki.select_df_name(jpki.JPKI_AID))
    assert sw(tx, jpki.select_ef(jpki.EF_SIGN_CERT)) == 0x9000
    assert sw(tx, jpki.read_binary(0, 4)) == 0x6982
    tx(jpki.select_ef(jpki.EF_SIGN_PIN))
    assert sw(tx, jpki.verify_status() + bytes([len(SIGN_PIN)]) + SIGN_PIN) == 0x9000
    tx(jpki.select_ef(jpki.EF_SIGN_CERT))
    data, status = tx(jpki.read_binary(0, 4))
    assert status == 0x9000 and data[0] == 0x30


def test_other_status_words_like_a_real_card() -> None:
    c, tx = card()
    assert sw(tx, bytes.fromhex("00CA000000")) == 0x6D00       # INS not supported
    assert sw(tx, bytes.fromhex("A0A4040C00")) == 0x6E00       # CLA not supported
    assert sw(tx, jpki.read_binary(0, 4)) == 0x6986            # no current EF
    assert sw(tx, jpki.select_ef(0x000A)) == 0x6A82            # no application selected
    tx(jpki.select_df_name(jpki.JPKI_AID))
    assert sw(tx, jpki.select_ef(0x1234)) == 0x6A82
    tx(jpki.select_ef(jpki.EF_AUTH_CERT))
    size = len(c.apps[jpki.JPKI_AID].files[jpki.EF_AUTH_CERT].data)
    assert sw(tx, jpki.read_binary(size, 4)) == 0x6B00       # offset past the end
    data, status = tx(jpki.read_binary(size - 10, 256))
    assert status == 0x6282 and len(data) == 10             # end of file before Le
    challenge, status = tx(bytes.fromhex("0084000008"))
    assert status == 0x9000 and len(challenge) == 8
    assert sw(tx, jpki.verify_status()) == 0x6A88              # VERIFY on a non-PIN EF


def test_assist_application_has_only_its_pin() -> None:
    _c, tx = card()
    assert sw(tx, jpki.select_df_name(jpki.ASSIST_AID)) == 0x9000
    assert sw(tx, jpki.select_ef(0x0001)) == 0x6A82  # the individual number EF does not exist
    tx(jpki.select_ef(jpki.EF_ASSIST_PIN))
    assert sw(tx, jpki.verify_status() + b"\x04" + ASSIST_PIN) == 0x9000


def test_driver_has_no_code_path_to_the_individual_number() -> None:
    """The full read never selects EF 0001 anywhere, and the driver code never names it."""
    c, tx = card()
    sent: list[bytes] = []

    def spy(apdu: bytes) -> tuple[bytes, int]:
        sent.append(apdu)
        return tx(apdu)

    jpki.read_card(spy, c.atr)
    assert all(not (a[1] == 0xA4 and a[2] == 0x02 and a[5:7] == b"\x00\x01") for a in sent)
    for module in (jpki, cardreader):
        src = inspect.getsource(module)
        assert "select_ef(0x0001)" not in src and "select_ef(EF_SIGN_CERT)" not in src
        assert "read_binary" not in src.split("select_df_name(ASSIST_AID)")[-1].split("return CardInfo")[0]
    after_assist = sent[[a[5:15] for a in sent].index(jpki.ASSIST_AID) + 1 :]
    assert after_assist == [jpki.select_ef(jpki.EF_ASSIST_PIN), jpki.verify_status()]
