"""A virtual My Number Card: an ISO 7816 state machine, and a vpcd client that puts it in pcscd's reader.

`VirtualCard` answers APDUs the way a JPKI card does (SELECT by DF name / EF id, READ BINARY with
offsets and extended Le, VERIFY with real retry counting, GET CHALLENGE, ISO status words otherwise).
`VpcdCardClient` connects it to the vsmartcard virtual reader driver inside pcscd over TCP, so the real
driver and real outside clients (OpenSC) talk to it through pcscd. `InProcessTransport` is the fast path
for unit tests of the protocol only.

The form-input-assist application holds only its PIN here: the individual number EF does not exist.

    python -m simulators.card --profile valid      # insert a card into "Virtual PCD 00 00" and wait
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from drivers import jpki
from simulators.card_profiles import (
    ASSIST_PIN,
    AUTH_PIN,
    GENERIC_ATR,
    SIGN_PIN,
    CardProfile,
    TestAuthority,
    default_authority,
    get_profile,
)

log = logging.getLogger(__name__)

VPCD_HOST = "127.0.0.1"
VPCD_PORT = 35963
"""vpcd's first slot ("Virtual PCD 00 00"); the second slot listens on 35964."""
VPCD_POWER_OFF, VPCD_POWER_ON, VPCD_RESET, VPCD_GET_ATR = 0, 1, 2, 4
MAX_EXTENDED_LE = 65536


def sw_bytes(sw: int) -> bytes:
    return bytes([sw >> 8, sw & 0xFF])


@dataclass
class Pin:
    value: bytes
    max_tries: int
    tries: int
    verified: bool = False


@dataclass
class BinaryEF:
    data: bytes
    needs_pin: int | None = None  # fid of the PIN EF that must be verified first
    readable: bool = True          # keys are never readable


@dataclass
class Application:
    aid: bytes
    files: dict[int, BinaryEF] = field(default_factory=dict)
    pins: dict[int, Pin] = field(default_factory=dict)


@dataclass(frozen=True)
class Command:
    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes
    le: int | None  # None: no Le; otherwise the number of bytes asked (256 / 65536 for 00 / 0000)
    extended: bool


def parse_apdu(apdu: bytes) -> Command | None:
    """ISO 7816-4 cases 1–4, short and extended; None for a malformed length."""
    if len(apdu) < 4:
        return None
    cla, ins, p1, p2 = apdu[:4]
    body = apdu[4:]
    if not body:
        return Command(cla, ins, p1, p2, b"", None, False)
    if len(body) == 1:
        return Command(cla, ins, p1, p2, b"", body[0] or 256, False)
    if body[0] != 0:  # short Lc
        lc = body[0]
        if len(body) == 1 + lc:
            return Command(cla, ins, p1, p2, body[1:], None, False)
        if len(body) == 2 + lc:
            return Command(cla, ins, p1, p2, body[1 : 1 + lc], body[-1] or 256, False)
        return None
    if len(body) == 3:  # extended case 2
        return Command(cla, ins, p1, p2, b"", int.from_bytes(body[1:3], "big") or MAX_EXTENDED_LE, True)
    lc = int.from_bytes(body[1:3], "big")
    if lc == 0:
        return None
    if len(body) == 3 + lc:
        return Command(cla, ins, p1, p2, body[3:], None, True)
    if len(body) == 5 + lc:
        le = int.from_bytes(body[-2:], "big") or MAX_EXTENDED_LE
        return Command(cla, ins, p1, p2, body[3 : 3 + lc], le, True)
    return None


class VirtualCard:
    """One card's state: files, PIN counters (kept across power cycles), and the current selection."""

    def __init__(self, profile: CardProfile, *, authority: TestAuthority | None = None,
                 now: dt.datetime | None = None) -> None:
        self.profile = profile
        self.apps: dict[bytes, Application] = {}
        if profile.is_jpki:
            certs = (authority or default_authority()).for_profile(profile, now or dt.datetime.now(dt.UTC))
            self.apps[jpki.JPKI_AID] = Application(
                jpki.JPKI_AID,
                files={
                    jpki.EF_AUTH_CERT: BinaryEF(certs.auth),
                    jpki.EF_AUTH_CA_CERT: BinaryEF(certs.auth_ca),
                    jpki.EF_SIGN_CERT: BinaryEF(certs.sign, needs_pin=jpki.EF_SIGN_PIN),
                    jpki.EF_SIGN_CA_CERT: BinaryEF(certs.sign_ca),
                    0x0006: BinaryEF(b"JPKIAPICCTOKEN2".ljust(32, b" ")),
                    0x0017: BinaryEF(b"", readable=False),  # auth private key
                    0x001A: BinaryEF(b"", readable=False),  # sign private key
                },
                pins={
                    jpki.EF_AUTH_PIN: Pin(AUTH_PIN, jpki.AUTH_PIN_MAX_TRIES, profile.auth_tries),
                    jpki.EF_SIGN_PIN: Pin(SIGN_PIN, jpki.SIGN_PIN_MAX_TRIES, profile.sign_tries),
                },
            )
            self.apps[jpki.ASSIST_AID] = Application(
                jpki.ASSIST_AID,
                pins={jpki.EF_ASSIST_PIN: Pin(ASSIST_PIN, jpki.ASSIST_PIN_MAX_TRIES, profile.assist_tries)},
            )
        self.atr = jpki.JPKI_ATR if profile.is_jpki else GENERIC_ATR
        self._app: Application | None = None
        self._ef: int | None = None
        self.apdu_count = 0

    # -- lifecycle -----------------------------------------------------------------------------------

    def reset(self) -> None:
        """Power-on or warm reset: selection and security state go, retry counters stay."""
        self._app = None
        self._ef = None
        for app in self.apps.values():
            for pin in app.pins.values():
                pin.verified = False

    def pin_tries(self) -> dict[str, int]:
        """Retry counters, for tests that prove reading spends no try."""
        out: dict[str, int] = {}
        for app in self.apps.values():
            for fid, pin in app.pins.items():
                out[f"{fid:04X}"] = pin.tries
        return out

    # -- APDUs ---------------------------------------------------------------------------------------

    def process(self, apdu: bytes) -> bytes:
        self.apdu_count += 1
        cmd = parse_apdu(apdu)
        if cmd is None:
            return sw_bytes(jpki.SW_WRONG_LENGTH)
        if cmd.cla not in (0x00, 0x80):
            return sw_bytes(jpki.SW_CLA_NOT_SUPPORTED)
        handler: Callable[[Command], bytes] | None = {
            0xA4: self._select,
            0xB0: self._read_binary,
            0x20: self._verify,
            0x84: self._get_challenge,
            0x2A: self._compute_signature,
        }.get(cmd.ins)
        if handler is None or (cmd.cla == 0x80) != (cmd.ins == 0x2A):
            return sw_bytes(jpki.SW_INS_NOT_SUPPORTED)
        return handler(cmd)

    def _select(self, cmd: Command) -> bytes:
        if cmd.p2 not in (0x00, 0x0C):
            return sw_bytes(jpki.SW_WRONG_P1P2)
        if cmd.p1 == 0x04:  # by DF name
            app = self.apps.get(cmd.data)
            if app is None:
                return sw_bytes(jpki.SW_FILE_NOT_FOUND)
            self._app, self._ef = app, None
            for other in self.apps.values():  # leaving an application drops its security state
                if other is not app:
                    for pin in other.pins.values():
                        pin.verified = False
            if cmd.p2 == 0x00:
                fci = bytes([0x84, len(app.aid)]) + app.aid
                return bytes([0x6F, len(fci)]) + fci + sw_bytes(jpki.SW_OK)
            return sw_bytes(jpki.SW_OK)
        if cmd.p1 in (0x00, 0x02):  # by file id (00: MF/any, 02: EF under current DF)
            if len(cmd.data) != 2:
                return sw_bytes(jpki.SW_WRONG_DATA)
            fid = int.from_bytes(cmd.data, "big")
            if cmd.p1 == 0x00 and fid == 0x3F00:
                self._app, self._ef = None, None
                return sw_bytes(jpki.SW_OK)
            if self._app is None or (fid not in self._app.files and fid not in self._app.pins):
                return sw_bytes(jpki.SW_FILE_NOT_FOUND)
            self._ef = fid
            return sw_bytes(jpki.SW_OK)
        return sw_bytes(jpki.SW_WRONG_P1P2)

    def _read_binary(self, cmd: Command) -> bytes:
        if cmd.p1 & 0x80:  # short EF identifier: not offered by this card
            return sw_bytes(jpki.SW_FUNC_NOT_SUPPORTED)
        if self._app is None or self._ef is None:
            return sw_bytes(0x6986)  # command not allowed: no current EF
        ef = self._app.files.get(self._ef)
        if ef is None:
            return sw_bytes(0x6981)  # command incompatible with file structure (a PIN EF)
        if not ef.readable:
            return sw_bytes(jpki.SW_SECURITY_NOT_SATISFIED)
        if ef.needs_pin is not None and not self._app.pins[ef.needs_pin].verified:
            return sw_bytes(jpki.SW_SECURITY_NOT_SATISFIED)
        if cmd.le is None or cmd.data:
            return sw_bytes(jpki.SW_WRONG_LENGTH)
        offset = (cmd.p1 << 8) | cmd.p2
        if offset >= len(ef.data):
            return sw_bytes(jpki.SW_WRONG_OFFSET)
        chunk = ef.data[offset : offset + cmd.le]
        sw = jpki.SW_OK if len(chunk) == cmd.le else jpki.SW_END_OF_FILE
        return chunk + sw_bytes(sw)

    def _verify(self, cmd: Command) -> bytes:
        if cmd.p1 != 0x00 or cmd.p2 != 0x80:
            return sw_bytes(jpki.SW_WRONG_P1P2)
        pin = self._app.pins.get(self._ef) if self._app and self._ef is not None else None
        if pin is None:
            return sw_bytes(0x6A88)  # referenced data not found: no PIN EF selected
        if pin.tries == 0:
            return sw_bytes(jpki.SW_PIN_BLOCKED)
        if not cmd.data:
            return sw_bytes(0x63C0 | pin.tries)
        if cmd.data == pin.value:
            pin.tries = pin.max_tries
            pin.verified = True
            return sw_bytes(jpki.SW_OK)
        pin.tries -= 1
        pin.verified = False
        return sw_bytes(0x63C0 | pin.tries)

    def _get_challenge(self, cmd: Command) -> bytes:
        if cmd.p1 or cmd.p2:
            return sw_bytes(jpki.SW_WRONG_P1P2)
        if cmd.le is None or cmd.le > 256:
            return sw_bytes(jpki.SW_WRONG_LENGTH)
        return os.urandom(cmd.le) + sw_bytes(jpki.SW_OK)

    def _compute_signature(self, cmd: Command) -> bytes:
        # Signing is outside what the counter needs; a real card refuses it without a verified PIN.
        if self._app is None or not any(p.verified for p in self._app.pins.values()):
            return sw_bytes(jpki.SW_SECURITY_NOT_SATISFIED)
        return sw_bytes(jpki.SW_CONDITIONS_NOT_SATISFIED)


class InProcessTransport:
    """APDUs straight to a VirtualCard: the unit-test fast path, shaped like drivers.jpki.Transmit."""

    def __init__(self, card: VirtualCard) -> None:
        self.card = card
        card.reset()

    def __call__(self, apdu: bytes) -> tuple[bytes, int]:
        resp = self.card.process(apdu)
        return resp[:-2], int.from_bytes(resp[-2:], "big")


def _quickack(sock: socket.socket) -> None:
    # Without it every APDU waits ~40 ms for the delayed ACK of the previous answer.
    if hasattr(socket, "TCP_QUICKACK"):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)


def _recv_exact(sock: socket.socket, n: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < n:
        _quickack(sock)
        part = sock.recv(n - len(buf))
        if not part:
            return None
        buf += part
    return bytes(buf)


class VpcdCardClient:
    """Puts a VirtualCard into pcscd's vpcd reader: connected socket = card on the reader.

    If pcscd goes away while a card is inserted, the client reconnects when vpcd is back, like a card
    that simply stayed on the reader.
    """

    def __init__(self, host: str = VPCD_HOST, port: int = VPCD_PORT, *,
                 authority: TestAuthority | None = None,
                 now: Callable[[], dt.datetime] | None = None,
                 log_apdus: bool = False) -> None:
        self.host, self.port = host, port
        self._authority = authority
        self._now = now or (lambda: dt.datetime.now(dt.UTC))
        self._log_apdus = log_apdus
        self._lock = threading.Lock()
        self._card: VirtualCard | None = None
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.connected = threading.Event()
        self.removed = threading.Event()
        self._remove_after: int | None = None
        self.apdu_count = 0
        self.apdu_log: list[str] = []  # "INS P1 P2 → SW" only, never data (PINs pass through VERIFY)

    # -- control -------------------------------------------------------------------------------------

    @property
    def profile(self) -> str | None:
        card = self._card
        return card.profile.name if card else None

    @property
    def card(self) -> VirtualCard | None:
        return self._card

    def insert(self, profile: str | CardProfile, *, wait: float = 5.0) -> VirtualCard:
        """Place a fresh card of this profile on the reader (removing any card there first)."""
        prof = get_profile(profile) if isinstance(profile, str) else profile
        self.remove()
        card = VirtualCard(prof, authority=self._authority, now=self._now())
        self.insert_card(card, wait=wait)
        return card

    def insert_card(self, card: VirtualCard, *, wait: float = 5.0) -> None:
        """Place this very card (keeping its counters) on the reader; waits until vpcd accepted it."""
        self.remove()
        with self._lock:
            self._card = card
            self._stop = threading.Event()
            self.connected.clear()
            self.removed.clear()
            self._thread = threading.Thread(target=self._run, args=(self._stop,), name="vpcd-card",
                                            daemon=True)
            self._thread.start()
        if wait and not self.connected.wait(wait):
            self.remove()
            raise ConnectionError(
                f"vpcd に接続できません (cannot reach vpcd at {self.host}:{self.port}); is pcscd running "
                "with the vsmartcard-vpcd driver?")

    def remove(self) -> None:
        """Take the card off the reader."""
        with self._lock:
            thread, self._thread = self._thread, None
            self._stop.set()
            self._close()
            self._card = None
            self._remove_after = None
        if thread and thread is not threading.current_thread():
            thread.join(timeout=5)
        self.removed.set()

    def remove_after(self, n_apdus: int) -> None:
        """Simulate a card pulled away: after n more answered APDUs the next one finds no card."""
        self._remove_after = n_apdus

    def close(self) -> None:
        self.remove()

    # -- the wire ------------------------------------------------------------------------------------

    def _close(self) -> None:
        sock, self._sock = self._sock, None
        self.connected.clear()
        if sock:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _connect(self, stop: threading.Event) -> socket.socket | None:
        while not stop.is_set():
            try:
                sock = socket.create_connection((self.host, self.port), timeout=1.0)
            except OSError:
                stop.wait(0.05)  # vpcd not (yet) listening: pcscd starting or restarting
                continue
            sock.settimeout(None)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock
        return None

    def _run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            sock = self._connect(stop)
            if sock is None:
                return
            with self._lock:
                if stop.is_set():
                    sock.close()
                    return
                self._sock = sock
            self.connected.set()
            try:
                self._serve(sock, stop)
            except OSError as exc:
                log.debug("vpcd connection ended: %s", exc)
            if stop.is_set():
                return
            with self._lock:
                if self._sock is sock:
                    self._close()
            if self._pulled(stop):
                return
            log.info("vpcd went away; reconnecting the card")

    def _pulled(self, stop: threading.Event) -> bool:
        return stop.is_set() or self._card is None

    def _serve(self, sock: socket.socket, stop: threading.Event) -> None:
        card = self._card
        assert card is not None
        while not stop.is_set():
            head = _recv_exact(sock, 2)
            if head is None:
                return
            payload = _recv_exact(sock, int.from_bytes(head, "big"))
            if payload is None:
                return
            if len(payload) == 1:
                self._control(sock, card, payload[0])
                continue
            if self._remove_after is not None:
                if self._remove_after <= 0:
                    self._remove_after = None
                    self._card = None
                    stop.set()
                    self.removed.set()
                    self._close()
                    return
                self._remove_after -= 1
            # A broken card gives no answer: an empty frame (vpcd cannot express "no answer" otherwise
            # without hanging pcscd's reader for every client).
            resp = b"\x6f" if card.profile.mute else card.process(payload)
            self.apdu_count += 1
            if self._log_apdus:
                ins, p1, p2 = payload[1:4]
                self.apdu_log.append(f"{ins:02X} {p1:02X} {p2:02X} → {resp[-2:].hex()}")
            sock.sendall(len(resp).to_bytes(2, "big") + resp)

    def _control(self, sock: socket.socket, card: VirtualCard, code: int) -> None:
        if code in (VPCD_POWER_ON, VPCD_RESET):
            card.reset()
        elif code == VPCD_GET_ATR:
            # vpcd also asks the ATR to see that a card is still there, so every card answers it.
            sock.sendall(len(card.atr).to_bytes(2, "big") + card.atr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Virtual My Number Card on pcscd's vpcd reader")
    parser.add_argument("--profile", default="valid", help="valid, renew_soon, expired, auth_pin_locked, "
                        "sign_pin_low, not_mynumber, mute")
    parser.add_argument("--host", default=VPCD_HOST)
    parser.add_argument("--port", type=int, default=VPCD_PORT)
    parser.add_argument("--start-pcscd", action="store_true", help="start a private pcscd if none runs")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    import signal

    from simulators.pcscd import PcscdService

    def _terminate(*_: object) -> None:
        raise KeyboardInterrupt  # so `finally` stops the pcscd we started

    signal.signal(signal.SIGTERM, _terminate)

    service = PcscdService() if args.start_pcscd else None
    if service:
        service.start()
    client = VpcdCardClient(args.host, args.port)
    try:
        client.insert(args.profile)
        print(f"card '{args.profile}' on the reader at {args.host}:{args.port}; Ctrl-C to remove")
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        client.close()
        if service:
            service.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
