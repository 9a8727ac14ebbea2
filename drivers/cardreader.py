"""PC/SC card reader driver (pyscard over pcscd): watches a reader and reads My Number Cards without PIN.

One thread per reader waits in SCardGetStatusChange. The low-level API is used (not pyscard's monitors)
so every failure is visible: when pcscd restarts the context is re-established, when the reader goes
away the driver reports DOWN and waits for it to come back. What is read is decided by drivers.jpki;
this module only moves APDUs and turns PC/SC failures into typed errors.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from smartcard import scard

from drivers.base import DeviceKind, DeviceStatus, EventSink, Health
from drivers.jpki import (
    CardError,
    CardInfo,
    CardMute,
    CardRemovedDuringRead,
    ExtendedLengthRefused,
    NoCard,
    NoReader,
    NotMyNumberCard,
    PinState,
    ReaderUnplugged,
    UnexpectedStatusWord,
    read_card,
)

__all__ = [
    "CardError", "CardInfo", "CardInserted", "CardMute", "CardRead", "CardReadFailed", "CardReader",
    "CardRemoved", "CardRemovedDuringRead", "NoCard", "NoReader", "NotMyNumberCard", "PinState",
    "ReaderUnplugged", "UnexpectedStatusWord",
]

log = logging.getLogger(__name__)

PNP_NOTIFICATION = "\\\\?PnP?\\Notification"
_SERVICE_GONE = {
    scard.SCARD_E_NO_SERVICE, scard.SCARD_E_SERVICE_STOPPED, scard.SCARD_E_INVALID_HANDLE,
    scard.SCARD_F_COMM_ERROR, scard.SCARD_E_NO_READERS_AVAILABLE,
}
_READER_GONE = {scard.SCARD_E_UNKNOWN_READER, scard.SCARD_E_READER_UNAVAILABLE}
_CARD_LOST = {
    scard.SCARD_W_REMOVED_CARD, scard.SCARD_E_NO_SMARTCARD, scard.SCARD_E_NOT_TRANSACTED,
    scard.SCARD_W_RESET_CARD, scard.SCARD_W_UNPOWERED_CARD, scard.SCARD_F_COMM_ERROR,
    scard.SCARD_E_NO_SERVICE, scard.SCARD_E_SERVICE_STOPPED, scard.SCARD_E_INVALID_HANDLE,
    scard.SCARD_E_READER_UNAVAILABLE,
}


# --- events -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardInserted:
    reader: str
    atr: str


@dataclass(frozen=True)
class CardRead:
    reader: str
    info: CardInfo


@dataclass(frozen=True)
class CardReadFailed:
    """A card was there but could not be read; `info` is set when it is known what the card is not."""

    reader: str
    error: CardError
    info: CardInfo | None = None

    @property
    def message_ja(self) -> str:
        return self.error.message_ja

    @property
    def message_en(self) -> str:
        return self.error.message_en


@dataclass(frozen=True)
class CardRemoved:
    reader: str


class _CardLost(Exception):
    """The card went away mid-read (or pcscd did); the read is retried once."""


def _err(hres: int) -> str:
    return f"{scard.SCardGetErrorMessage(hres)} (0x{hres & 0xFFFFFFFF:08X})"


def _is_extended(apdu: bytes) -> bool:
    return len(apdu) > 5 and apdu[4] == 0


# --- one read on a connected card ---------------------------------------------------------------------


class _Session:
    """A connected card handle, with transmit shaped for drivers.jpki."""

    def __init__(self, ctx: int, reader: str) -> None:
        hres, self.handle, self.protocol = scard.SCardConnect(
            ctx, reader, scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
        if hres == scard.SCARD_W_UNRESPONSIVE_CARD:
            raise CardMute(_err(hres))
        if hres in _READER_GONE:
            raise ReaderUnplugged(_err(hres))
        if hres != scard.SCARD_S_SUCCESS:
            raise _CardLost(_err(hres))
        hres = scard.SCardBeginTransaction(self.handle)
        if hres != scard.SCARD_S_SUCCESS:
            scard.SCardDisconnect(self.handle, scard.SCARD_LEAVE_CARD)
            raise _CardLost(_err(hres))

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        hres, resp = scard.SCardTransmit(self.handle, self.protocol, list(apdu))
        if hres != scard.SCARD_S_SUCCESS:
            if _is_extended(apdu) and hres in (scard.SCARD_E_INSUFFICIENT_BUFFER,
                                                scard.SCARD_E_INVALID_PARAMETER, scard.SCARD_E_INVALID_VALUE):
                raise ExtendedLengthRefused(_err(hres))
            raise _CardLost(_err(hres))
        if not resp:
            raise _CardLost("empty response")  # vpcd's answer when the card left
        if len(resp) < 2:
            raise CardMute(f"{len(resp)}-byte response")
        return bytes(resp[:-2]), (resp[-2] << 8) | resp[-1]

    def close(self) -> None:
        scard.SCardEndTransaction(self.handle, scard.SCARD_LEAVE_CARD)
        scard.SCardDisconnect(self.handle, scard.SCARD_LEAVE_CARD)


# --- the driver ---------------------------------------------------------------------------------------


class CardReader:
    """Device: emits CardInserted, then CardRead or CardReadFailed, and CardRemoved; plus DeviceStatus."""

    kind = DeviceKind.CARD_READER

    def __init__(self, reader_name: str | None = None, *, poll_ms: int = 500,
                 reconnect_interval: float = 0.2) -> None:
        self.reader_name = reader_name
        self.poll_ms = poll_ms
        self.reconnect_interval = reconnect_interval
        self._extended = True
        self._status = DeviceStatus(DeviceKind.CARD_READER, Health.UNKNOWN)
        self._sink: EventSink | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._ctx: int | None = None
        self._ctx_lock = threading.Lock()
        self.reads = 0

    # -- Device protocol ---------------------------------------------------------------------------

    @property
    def status(self) -> DeviceStatus:
        return self._status

    def start(self, sink: EventSink) -> None:
        if self._thread and self._thread.is_alive():
            return
        self._sink = sink
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="card-reader", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        with self._ctx_lock:
            if self._ctx is not None:
                scard.SCardCancel(self._ctx)
        if self._thread:
            self._thread.join(timeout=5)
            self._thread = None

    # -- one-shot read for the CLI ----------------------------------------------------------------

    def read_once(self, timeout: float = 10.0) -> CardInfo:
        """Wait up to `timeout` for a card on the reader and read it; raises a CardError subclass."""
        hres, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if hres != scard.SCARD_S_SUCCESS:
            raise NoReader(f"PC/SC: {_err(hres)}")
        try:
            reader = self._pick_reader(ctx)
            if reader is None:
                wanted = f" matching {self.reader_name!r}" if self.reader_name else ""
                raise NoReader(f"no PC/SC reader{wanted}")
            end = time.monotonic() + timeout
            states = [(reader, scard.SCARD_STATE_UNAWARE)]
            while True:
                left = max(0, int((end - time.monotonic()) * 1000))
                hres, states = scard.SCardGetStatusChange(ctx, left, states)
                if hres == scard.SCARD_E_TIMEOUT:
                    raise NoCard(f"no card within {timeout:.0f} s")
                if hres in _READER_GONE:
                    raise ReaderUnplugged(_err(hres))
                if hres != scard.SCARD_S_SUCCESS:
                    raise NoReader(f"PC/SC: {_err(hres)}")
                _, event, atr = states[0]
                if event & scard.SCARD_STATE_MUTE:
                    raise CardMute("reader reports the card mute")
                if event & scard.SCARD_STATE_PRESENT:
                    return self._read(ctx, reader, bytes(atr))
                states = [(reader, event)]
        finally:
            scard.SCardReleaseContext(ctx)

    # -- internals ---------------------------------------------------------------------------------

    def _pick_reader(self, ctx: int) -> str | None:
        hres, readers = scard.SCardListReaders(ctx, [])
        if hres != scard.SCARD_S_SUCCESS or not readers:
            return None
        if self.reader_name is None:
            return readers[0]
        for r in readers:
            if r == self.reader_name or r.startswith(self.reader_name):
                return r
        return None

    def _read(self, ctx: int, reader: str, atr: bytes) -> CardInfo:
        """Read with one retry: a card slid on the reader often loses contact once."""
        last: Exception | None = None
        for _attempt in range(2):
            try:
                session = _Session(ctx, reader)
            except _CardLost as exc:
                last = exc
                continue
            try:
                info = read_card(session.transmit, atr, extended=self._extended)
                self._extended = info.extended_length
                self.reads += 1
                return info
            except (_CardLost, CardMute) as exc:
                last = exc
            finally:
                session.close()
        if isinstance(last, CardMute):
            raise last
        raise CardRemovedDuringRead(str(last or ""))

    def _emit(self, event: object) -> None:
        if self._sink is None:
            return
        try:
            self._sink(event)
        except Exception:  # a faulty sink must not kill the reader thread
            log.exception("card reader event sink failed")

    def _set_status(self, health: Health, ja: str = "", en: str = "", detail: str = "", code: str = "") -> None:
        new = DeviceStatus(DeviceKind.CARD_READER, health, ja, en, detail, code)
        if (new.health, new.reason_ja) != (self._status.health, self._status.reason_ja):
            self._status = new
            self._emit(new)
        else:
            self._status = new

    def _run(self) -> None:
        while not self._stop.is_set():
            hres, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            if hres != scard.SCARD_S_SUCCESS:
                self._set_status(Health.DOWN, "PC/SCサービス(pcscd)に接続できません",
                                 "Cannot reach the PC/SC service (pcscd)", _err(hres), "card_reader.pcscd_unreachable")
                self._stop.wait(self.reconnect_interval)
                continue
            with self._ctx_lock:
                self._ctx = ctx
            try:
                self._watch(ctx)
            except Exception:
                log.exception("card reader watch loop failed; restarting it")
                self._stop.wait(self.reconnect_interval)
            finally:
                with self._ctx_lock:
                    self._ctx = None
                scard.SCardReleaseContext(ctx)
        self._set_status(Health.UNKNOWN, "停止中", "Stopped", code="card_reader.stopped")

    def _wait_for_reader(self, ctx: int) -> str | None:
        reader = self._pick_reader(ctx)
        if reader is not None:
            return reader
        self._set_status(Health.DOWN, NoReader.message_ja, NoReader.message_en, code=NoReader.code)
        pnp = [(PNP_NOTIFICATION, scard.SCARD_STATE_UNAWARE)]
        hres, _ = scard.SCardGetStatusChange(ctx, self.poll_ms, pnp)
        if hres in _SERVICE_GONE - {scard.SCARD_E_NO_READERS_AVAILABLE}:
            raise _CardLost(_err(hres))
        if hres not in (scard.SCARD_S_SUCCESS, scard.SCARD_E_TIMEOUT):
            # Without PnP notification support fall back to polling the reader list.
            self._stop.wait(self.reconnect_interval)
        return None

    def _watch(self, ctx: int) -> None:
        """Follow one reader on one PC/SC context until the context dies or we are stopped."""
        present = False
        counter: int | None = None
        reader: str | None = None
        state = scard.SCARD_STATE_UNAWARE
        while not self._stop.is_set():
            if reader is None:
                try:
                    reader = self._wait_for_reader(ctx)
                except _CardLost:
                    return
                if reader is None:
                    continue
                state = scard.SCARD_STATE_UNAWARE
                self._set_status(Health.OK, "カードリーダー準備完了", "Card reader ready", reader, "card_reader.ready")
            hres, states = scard.SCardGetStatusChange(ctx, self.poll_ms, [(reader, state)])
            if hres in (scard.SCARD_E_TIMEOUT, scard.SCARD_E_CANCELLED):
                continue
            if hres in _READER_GONE:
                self._set_status(Health.DOWN, ReaderUnplugged.message_ja, ReaderUnplugged.message_en,
                                 _err(hres), ReaderUnplugged.code)
                if present:
                    self._emit(CardRemoved(reader))
                    present = False
                reader = None
                continue
            if hres != scard.SCARD_S_SUCCESS:
                self._set_status(Health.DOWN, "PC/SCサービス(pcscd)との接続が切れました。再接続しています",
                                 "Lost the PC/SC service (pcscd); reconnecting", _err(hres), "card_reader.pcscd_lost")
                if present:
                    self._emit(CardRemoved(reader))
                return
            _, event, atr = states[0]
            # pcscd keeps an event counter in the high word; handing it back is what makes it wait.
            state = event & ~scard.SCARD_STATE_CHANGED
            new_counter = event >> 16
            if event & (scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_UNAVAILABLE):
                self._set_status(Health.DOWN, ReaderUnplugged.message_ja, ReaderUnplugged.message_en,
                                 code=ReaderUnplugged.code)
                reader = None
                continue
            now_present = bool(event & scard.SCARD_STATE_PRESENT)
            replaced = now_present and present and counter is not None and new_counter != counter
            if present and (not now_present or replaced):
                self._emit(CardRemoved(reader))
                present = False
            if now_present and not present:
                present = True
                self._on_card(ctx, reader, bytes(atr), bool(event & scard.SCARD_STATE_MUTE))
            counter = new_counter

    def _on_card(self, ctx: int, reader: str, atr: bytes, mute: bool) -> None:
        self._emit(CardInserted(reader, atr.hex().upper()))
        try:
            if mute:
                raise CardMute("reader reports the card mute")
            info = self._read(ctx, reader, atr)
        except NotMyNumberCard as exc:
            self._emit(CardReadFailed(reader, exc, CardInfo(card_present=True, is_my_number_card=False,
                                                             atr=atr.hex().upper())))
        except CardError as exc:
            self._emit(CardReadFailed(reader, exc))
        else:
            self._emit(CardRead(reader, info))
