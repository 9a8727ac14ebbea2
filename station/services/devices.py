"""The counter's own devices, seen from the station: what each event means and what each status says.

Drivers report raw facts from their threads (a button code, a scan, a card read, a status); this
module turns them into station actions (issue a ticket, classify a scan, judge a card) and events
for the screens. It is the only place that knows both sides, like an integration in Home Assistant.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from drivers.base import Device, DeviceKind, DeviceStatus, Health
from station.clock import Clock
from station.config import StationSettings
from station.domain import barcodes
from station.domain.certificate import card_verdict
from station.events import (
    CardInserted,
    CardRead,
    CardReadFailed,
    CardRemoved,
    DeviceStatusChanged,
    EventBus,
    Scanned,
)
from station.services.errors import ServiceError

log = logging.getLogger(__name__)

NOT_CONFIGURED = {
    DeviceKind.PRINTER: ("プリンタは設定されていません", "No printer configured"),
    DeviceKind.BUTTON: ("発券ボタンは設定されていません", "No ticket button configured"),
    DeviceKind.CARD_READER: ("カードリーダーは設定されていません", "No card reader configured"),
    DeviceKind.SCANNER: ("バーコードリーダーは設定されていません", "No barcode scanner configured"),
}


class DeviceManager:
    def __init__(
        self,
        settings: StationSettings,
        clock: Clock,
        bus: EventBus,
        on_button: Callable[[str], Any] | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.bus = bus
        self.on_button = on_button
        self.devices: dict[DeviceKind, Device] = {}
        self._statuses: dict[DeviceKind, DeviceStatus] = {}
        self._lock = threading.Lock()
        self.last_card: dict[str, Any] | None = None
        # Scans another capability answers before the panel's classification (reservations, issue 15: a
        # booking QR at the kiosk's scanner checks the visitor in). A hook returns True when it took the scan.
        self.scan_hooks: list[Callable[[str], bool]] = []

    # lifecycle ------------------------------------------------------------------------------------
    def add(self, device: Device) -> None:
        self.devices[device.kind] = device

    def start(self) -> None:
        for kind, dev in self.devices.items():
            try:
                dev.start(self._sink_for(kind))
            except Exception as exc:
                log.exception("device %s failed to start", kind)
                self._set_status(DeviceStatus(kind, Health.DOWN, "機器を起動できませんでした",
                                              "device failed to start", detail=type(exc).__name__))

    def stop(self) -> None:
        for dev in self.devices.values():
            try:
                dev.stop()
            except Exception:
                log.exception("device %s failed to stop", dev.kind)

    def statuses(self) -> dict[str, DeviceStatus]:
        out: dict[str, DeviceStatus] = {}
        for kind in DeviceKind:
            dev = self.devices.get(kind)
            if dev is None:
                ja, en = NOT_CONFIGURED[kind]
                out[kind.value] = DeviceStatus(kind, Health.UNKNOWN, ja, en)
                continue
            with self._lock:
                known = self._statuses.get(kind)
            out[kind.value] = known or dev.status
        return out

    # events from drivers (driver threads) ---------------------------------------------------------
    def _sink_for(self, kind: DeviceKind) -> Callable[[object], None]:
        def sink(event: object) -> None:
            try:
                self._handle(kind, event)
            except Exception:
                log.exception("handling %s event %s failed", kind, type(event).__name__)

        return sink

    def _set_status(self, status: DeviceStatus) -> None:
        with self._lock:
            changed = self._statuses.get(status.kind) != status
            self._statuses[status.kind] = status
        if changed:
            self.bus.publish(DeviceStatusChanged(
                at=self.clock.now(), counter_id=self.settings.counter_id, device=status.kind.value,
                health=status.health.value, reason_ja=status.reason_ja, reason_en=status.reason_en,
            ))

    def _handle(self, kind: DeviceKind, event: object) -> None:
        if isinstance(event, DeviceStatus):
            self._set_status(event)
            return
        name = type(event).__name__
        handler = getattr(self, f"_on_{name}", None)
        if handler is None:
            log.debug("ignored %s event %s", kind, name)
            return
        handler(event)

    def _on_ButtonPressed(self, event: Any) -> None:
        if self.on_button is None:
            return
        try:
            self.on_button(event.category)
        except ServiceError as e:  # closed, cut-off: the kiosk shows why; nothing to print
            log.info("button press refused: %s", e.message_en)

    def _on_Scan(self, event: Any) -> None:
        if any(hook(event.text) for hook in self.scan_hooks):
            return
        now = self.clock.now()
        cid = self.settings.counter_id
        try:
            value = barcodes.classify_scan(event.text)
        except barcodes.BarcodeError as e:
            self.bus.publish(Scanned(at=now, counter_id=cid, kind="rejected",
                                     message_ja=e.message_ja, message_en=e.message_en))
            return
        kind, text = _describe(value)
        self.bus.publish(Scanned(at=now, counter_id=cid, kind=kind, value=text))

    def _on_ScanRejected(self, event: Any) -> None:
        self.bus.publish(Scanned(
            at=self.clock.now(), counter_id=self.settings.counter_id, kind="rejected",
            message_ja=f"読み取りに失敗しました。もう一度読み取ってください（{event.reason_ja}）",
            message_en=f"scan failed, please scan again ({event.reason_en})",
        ))

    def _on_CardInserted(self, _event: Any) -> None:
        self.bus.publish(CardInserted(at=self.clock.now(), counter_id=self.settings.counter_id))

    def _on_CardRemoved(self, _event: Any) -> None:
        self.last_card = None
        self.bus.publish(CardRemoved(at=self.clock.now(), counter_id=self.settings.counter_id))

    def _on_CardRead(self, event: Any) -> None:
        verdict = card_verdict(event.info, self.clock.now().date())
        data = verdict.as_dict()
        self.last_card = data
        self.bus.publish(CardRead(at=self.clock.now(), counter_id=self.settings.counter_id, verdict=data))

    def _on_CardReadFailed(self, event: Any) -> None:
        self.bus.publish(CardReadFailed(
            at=self.clock.now(), counter_id=self.settings.counter_id,
            message_ja=getattr(event, "message_ja", "") or "カードを読み取れませんでした",
            message_en=getattr(event, "message_en", "") or "could not read the card",
        ))


def _describe(value: barcodes.TicketCode | barcodes.NoticeNumber | barcodes.BoxLabel) -> tuple[str, str]:
    """What was scanned, as (kind, canonical value) for the panel."""
    if isinstance(value, barcodes.TicketCode):
        return "ticket", str(value.ticket_id)
    if isinstance(value, barcodes.BoxLabel):
        return "box", str(value.box_no)
    return "notice", str(value)
