"""The counter's own devices, seen from the station: what each event means and what each status says.

Drivers report raw facts from their threads (a button code, a scan, a card read, a status); this
module turns them into station actions (issue a ticket, classify a scan, judge a card) and events
for the screens. It is the only place that knows both sides, like an integration in Home Assistant.
"""

from __future__ import annotations

import dataclasses
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
from station.messages import both, text
from station.services.errors import ServiceError

log = logging.getLogger(__name__)

NOT_CONFIGURED = {kind: both(f"devices.not_configured.{kind.value}") for kind in DeviceKind}


def _worded(status: DeviceStatus) -> DeviceStatus:
    """The status with its reason in the catalog's words: drivers name the reason by code (they may not
    import station/); a status without a code keeps the sentences it came with."""
    if not status.code:
        return status
    ja, en = both(status.code)
    return dataclasses.replace(status, reason_ja=ja, reason_en=en)


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
        # D-INS-3: the catalog's [rules] renew_within_months (set by the composition root once it is read)
        self.renew_within_months = 3
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
                self._set_status(DeviceStatus(kind, Health.DOWN, detail=type(exc).__name__,
                                              code="devices.start_failed"))

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
            out[kind.value] = _worded(known or dev.status)
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
        status = _worded(status)
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
            **_scan_failed(event),
        ))

    def _on_CardInserted(self, _event: Any) -> None:
        self.bus.publish(CardInserted(at=self.clock.now(), counter_id=self.settings.counter_id))

    def _on_CardRemoved(self, _event: Any) -> None:
        self.last_card = None
        self.bus.publish(CardRemoved(at=self.clock.now(), counter_id=self.settings.counter_id))

    def _on_CardRead(self, event: Any) -> None:
        verdict = card_verdict(event.info, self.clock.now().date(), self.renew_within_months)
        data = verdict.as_dict()
        self.last_card = data
        self.bus.publish(CardRead(at=self.clock.now(), counter_id=self.settings.counter_id, verdict=data))

    def _on_CardReadFailed(self, event: Any) -> None:
        self.bus.publish(CardReadFailed(
            at=self.clock.now(), counter_id=self.settings.counter_id,
            **_card_failed(event),
        ))


def _scan_failed(event: Any) -> dict[str, str]:
    """A rejected frame's message for the panel: the scanner names why by code (`scanner.<code>`)."""
    code = getattr(event, "code", "")
    ja_reason, en_reason = both(f"scanner.{code}") if code else (event.reason_ja, event.reason_en)
    return {"message_ja": text("devices.scan_failed", "ja", reason=ja_reason),
            "message_en": text("devices.scan_failed", "en", reason=en_reason)}


def _card_failed(event: Any) -> dict[str, str]:
    """A failed read's message: the driver's error names it by code (`card.mute` …)."""
    code = getattr(getattr(event, "error", None), "code", "") or "devices.card_unreadable"
    ja, en = both(code)
    return {"message_ja": ja, "message_en": en}


def _describe(value: barcodes.TicketCode | barcodes.NoticeNumber | barcodes.BoxLabel) -> tuple[str, str]:
    """What was scanned, as (kind, canonical value) for the panel."""
    if isinstance(value, barcodes.TicketCode):
        return "ticket", str(value.ticket_id)
    if isinstance(value, barcodes.BoxLabel):
        return "box", str(value.box_no)
    return "notice", str(value)
