# ruff: noqa: F811  (pytest fixtures are imported by name and received as parameters)
"""The real card-reader driver against the virtual My Number Card, through pcscd and vpcd."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from drivers import jpki
from drivers.cardreader import (
    CardInserted,
    CardRead,
    CardReader,
    CardReadFailed,
    CardRemoved,
    CardRemovedDuringRead,
    NoCard,
)
from simulators.card import VpcdCardClient
from station.domain.certificate import CertState, card_verdict
from tests.pcsc_fixtures import (  # noqa: F401
    EventQueue,
    card_events,
    card_reader,
    pcscd_service,
    vpcd_card,
    vpcd_reader,
    vpcd_slot,
)

pytestmark = pytest.mark.pcsc


def _today() -> dt.date:
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=9))).date()


def _read(card_events: EventQueue, vpcd_card: VpcdCardClient, profile: str) -> CardRead | CardReadFailed:
    vpcd_card.insert(profile)
    card_events.wait_for(CardInserted)
    return card_events.wait_for((CardRead, CardReadFailed))  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("profile", "state", "locked", "warn"),
    [
        ("valid", CertState.VALID, (), 0),
        ("renew_soon", CertState.RENEW_SOON, (), 0),
        ("expired", CertState.EXPIRED, (), 0),
        ("auth_pin_locked", CertState.VALID, ("auth",), 0),
        ("sign_pin_low", CertState.VALID, (), 1),
    ],
)
def test_each_my_number_profile_reads_with_minimum_apdus(
    card_reader: CardReader, card_events: EventQueue, vpcd_card: VpcdCardClient,
    profile: str, state: CertState, locked: tuple[str, ...], warn: int,
) -> None:
    event = _read(card_events, vpcd_card, profile)
    assert isinstance(event, CardRead), event
    info = event.info
    assert info.is_my_number_card and info.card_present
    assert info.atr == jpki.JPKI_ATR.hex().upper()
    assert info.apdu_count == jpki.MIN_APDUS_EXTENDED == vpcd_card.apdu_count
    card = vpcd_card.card
    assert card is not None
    cert = x509.load_der_x509_certificate(card.apps[jpki.JPKI_AID].files[jpki.EF_AUTH_CERT].data)
    assert info.cert_serial == cert.serial_number
    assert info.cert_not_after == cert.not_valid_after_utc
    assert "JPKI" in info.cert_issuer
    verdict = card_verdict(info, _today())
    assert verdict.cert_state is state
    assert verdict.locked_pins == locked
    assert verdict.needs_pin_reset == bool(locked)
    assert len(verdict.warnings) == warn
    if profile == "renew_soon":
        assert verdict.days_to_expiry == 30
    if profile == "sign_pin_low":
        assert info.sign_pin == jpki.PinState(1, False)
    vpcd_card.remove()
    card_events.wait_for(CardRemoved)


def test_not_my_number_card_and_mute_card_fail_cleanly(
    card_reader: CardReader, card_events: EventQueue, vpcd_card: VpcdCardClient,
) -> None:
    event = _read(card_events, vpcd_card, "not_mynumber")
    assert isinstance(event, CardReadFailed)
    assert event.message_ja == "マイナンバーカードではありません"
    assert event.info is not None and not event.info.is_my_number_card
    assert card_verdict(event.info, _today()).cert_state is CertState.UNKNOWN
    vpcd_card.remove()
    card_events.wait_for(CardRemoved)
    event = _read(card_events, vpcd_card, "mute")
    assert isinstance(event, CardReadFailed)
    assert type(event.error).__name__ == "CardMute"
    assert event.message_ja.startswith("カードが応答しません")


def test_removal_mid_certificate_read_gives_clean_error_then_next_card_reads(
    card_reader: CardReader, card_events: EventQueue, vpcd_card: VpcdCardClient,
) -> None:
    vpcd_card.insert("valid")
    vpcd_card.remove_after(3)  # SELECT AP, SELECT EF, READ header … then the card is gone
    card_events.wait_for(CardInserted)
    failed = card_events.wait_for((CardRead, CardReadFailed))
    assert isinstance(failed, CardReadFailed)
    assert isinstance(failed.error, CardRemovedDuringRead)
    assert failed.message_ja == "カードを置き直してください"
    card_events.wait_for(CardRemoved)
    event = _read(card_events, vpcd_card, "valid")
    assert isinstance(event, CardRead)
    assert event.info.apdu_count == jpki.MIN_APDUS_EXTENDED


def test_hundred_reads_spend_no_pin_try(vpcd_reader: str, vpcd_card: VpcdCardClient) -> None:
    card = vpcd_card.insert("sign_pin_low")
    before = card.pin_tries()
    reader = CardReader(vpcd_reader)
    infos = [reader.read_once(timeout=5) for _ in range(100)]
    assert card.pin_tries() == before == {"0018": 3, "001B": 1, "0011": 3}
    assert {(i.auth_pin, i.sign_pin, i.assist_pin) for i in infos} == {
        (jpki.PinState(3, False), jpki.PinState(1, False), jpki.PinState(3, False))}


def test_read_once_without_card_says_so(vpcd_reader: str, vpcd_card: VpcdCardClient) -> None:
    with pytest.raises(NoCard) as exc:
        CardReader(vpcd_reader).read_once(timeout=0.3)
    assert "カードが置かれていません" in str(exc.value)


def test_opensc_recognises_the_virtual_card_and_reads_its_certificate(
    vpcd_reader: str, vpcd_card: VpcdCardClient,
) -> None:
    tool = shutil.which("pkcs15-tool")
    assert tool and shutil.which("opensc-tool"), "install the Debian package 'opensc'"
    card = vpcd_card.insert("valid")
    CardReader(vpcd_reader).read_once(timeout=5)  # wait until pcscd has the card
    name = subprocess.run(["opensc-tool", "-r", vpcd_reader, "-n"], capture_output=True, text=True, timeout=20)
    assert name.stdout.strip().lower() == "jpki", name.stdout + name.stderr
    out = subprocess.run([tool, "-r", vpcd_reader, "--read-certificate", "01"],
                         capture_output=True, text=True, timeout=20)
    assert out.returncode == 0, out.stderr
    pem = x509.load_pem_x509_certificate(out.stdout.encode())
    assert pem.public_bytes(Encoding.DER) == card.apps[jpki.JPKI_AID].files[jpki.EF_AUTH_CERT].data
