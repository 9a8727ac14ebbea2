"""Card profiles for the virtual My Number Card, and the test CA that signs their certificates.

Certificates are real X.509 so the driver (and OpenSC) parse them exactly as they would a real card's.
Keys are RSA 2048 like JPKI; generating them costs a few hundred milliseconds, so one authority is made
per process and its certificates are cached by validity window.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from drivers import jpki

GENERIC_ATR = bytes.fromhex("3B8F8001804F0CA000000306030001000000006A")
"""A contactless storage card as PC/SC reports it: what a 'not a My Number Card' profile looks like."""

AUTH_PIN = b"1234"        # 利用者証明用: 4 digits
SIGN_PIN = b"ABC123"      # 署名用: 6–16 upper-case letters and digits
ASSIST_PIN = b"1234"      # 券面入力補助用: 4 digits


@dataclass(frozen=True)
class CardProfile:
    """One kind of card a visitor may bring; days are counted from the simulator's 'now'."""

    name: str
    description_ja: str
    is_jpki: bool = True
    mute: bool = False
    expires_in_days: int = 3 * 365 + 100
    lifetime_days: int = 5 * 365
    auth_tries: int = jpki.AUTH_PIN_MAX_TRIES
    sign_tries: int = jpki.SIGN_PIN_MAX_TRIES
    assist_tries: int = jpki.ASSIST_PIN_MAX_TRIES


PROFILES: dict[str, CardProfile] = {
    p.name: p
    for p in (
        CardProfile("valid", "有効なマイナンバーカード(証明書の期限まで数年)"),
        CardProfile("renew_soon", "証明書の期限まで30日(更新案内が必要)", expires_in_days=30),
        CardProfile("expired", "証明書の期限切れ", expires_in_days=-10),
        CardProfile("auth_pin_locked", "利用者証明用暗証番号がロック", auth_tries=0),
        CardProfile("sign_pin_low", "署名用暗証番号の残り回数が1回", sign_tries=1),
        CardProfile("not_mynumber", "マイナンバーカードではないカード", is_jpki=False),
        CardProfile("mute", "応答しないカード(故障)", mute=True),
    )
}


def get_profile(name: str) -> CardProfile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown card profile {name!r}; known: {', '.join(PROFILES)}") from None


@dataclass(frozen=True)
class CardCertificates:
    auth: bytes
    auth_ca: bytes
    sign: bytes
    sign_ca: bytes


def _name(*parts: tuple[x509.ObjectIdentifier, str]) -> x509.Name:
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in parts])


class TestAuthority:
    """A stand-in for J-LIS: one CA key and the card's own keys, made once."""

    ISSUER = _name(
        (NameOID.COUNTRY_NAME, "JP"),
        (NameOID.ORGANIZATION_NAME, "JPKI"),
        (NameOID.ORGANIZATIONAL_UNIT_NAME, "JPKI for user authentication"),
        (NameOID.ORGANIZATIONAL_UNIT_NAME, "Station simulator TEST CA (not for real use)"),
    )

    def __init__(self) -> None:
        self._ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._auth_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._lock = threading.Lock()
        self._cache: dict[tuple[dt.datetime, dt.datetime], CardCertificates] = {}
        start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
        self._ca_der = self._build(self.ISSUER, self._ca_key, start, start + dt.timedelta(days=20 * 365),
                                   serial=1, ca=True)

    def _build(self, subject: x509.Name, key: rsa.RSAPrivateKey, not_before: dt.datetime,
               not_after: dt.datetime, *, serial: int, ca: bool) -> bytes:
        from cryptography.hazmat.primitives.serialization import Encoding

        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.ISSUER)
            .public_key(key.public_key())
            .serial_number(serial)
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        return builder.sign(self._ca_key, hashes.SHA256()).public_bytes(Encoding.DER)

    def certificates(self, not_before: dt.datetime, not_after: dt.datetime) -> CardCertificates:
        """Certificates for a card valid in [not_before, not_after]; the subject carries no person."""
        key = (not_before, not_after)
        with self._lock:
            cached = self._cache.get(key)
            if cached:
                return cached
            serial = x509.random_serial_number()
            auth = self._build(_name((NameOID.COMMON_NAME, f"{serial:040X}"[:20])), self._auth_key,
                               not_before, not_after, serial=serial, ca=False)
            # The signature certificate would carry name and address; the simulator puts nothing real.
            sign = self._build(_name((NameOID.COUNTRY_NAME, "JP"), (NameOID.COMMON_NAME, "TEST ONLY")),
                               self._auth_key, not_before, not_after, serial=serial + 1, ca=False)
            certs = CardCertificates(auth=auth, auth_ca=self._ca_der, sign=sign, sign_ca=self._ca_der)
            self._cache[key] = certs
            return certs

    def for_profile(self, profile: CardProfile, now: dt.datetime) -> CardCertificates:
        # Whole seconds at midnight JST keep the dates stable within one run and easy to reason about.
        jst = dt.timezone(dt.timedelta(hours=9))
        day = now.astimezone(jst).replace(hour=23, minute=59, second=59, microsecond=0)
        not_after = day + dt.timedelta(days=profile.expires_in_days)
        not_before = not_after - dt.timedelta(days=profile.lifetime_days)
        return self.certificates(not_before.astimezone(dt.UTC), not_after.astimezone(dt.UTC))


@functools.cache
def default_authority() -> TestAuthority:
    """One authority per process: RSA key generation is the slow part of starting a card."""
    return TestAuthority()
