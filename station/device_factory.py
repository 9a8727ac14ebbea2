"""Build the real drivers from configuration (in simulator mode the same drivers, aimed at simulators)."""

from __future__ import annotations

from typing import Any

from drivers.base import Device
from station.config import StationSettings


def _merged(model: Any, override: dict[str, Any] | None) -> dict[str, Any]:
    data = model.model_dump()
    data.update(override or {})
    return data


def build_devices(settings: StationSettings, overrides: dict[str, dict[str, Any]]) -> list[Device]:
    """One driver per configured device; `overrides` (from the simulator rig) replace connection fields."""
    devs: list[Device] = []
    d = settings.devices

    p = _merged(d.printer, overrides.get("printer"))
    if p["connection"] in ("network", "serial", "usb"):
        from drivers.printer import printer_from_settings

        kwargs: dict[str, Any] = {"kanji_mode": p["kanji_mode"], "poll_interval": 10.0}
        if p["connection"] == "network":
            kwargs |= {"host": p["host"], "port": p["port"], "timeout": p["timeout_s"]}
        elif p["connection"] == "serial":
            kwargs |= {"device": p["device"], "baudrate": p["baudrate"], "timeout": p["timeout_s"]}
        else:
            kwargs |= {"vendor_id": p["usb_vendor_id"], "product_id": p["usb_product_id"]}
        devs.append(printer_from_settings(p["connection"], **kwargs))

    b = _merged(d.button, overrides.get("button"))
    if b["connection"] == "serial":
        from drivers.button import SerialButton

        devs.append(SerialButton(b["device"], b["codes"], baudrate=b["baudrate"], debounce_ms=b["debounce_ms"]))
    elif b["connection"] == "evdev":
        from drivers.button import EvdevButton

        devs.append(EvdevButton(b["device"], b["codes"], debounce_ms=b["debounce_ms"]))

    s = _merged(d.scanner, overrides.get("scanner"))
    if s["connection"] == "serial":
        from drivers.scanner import SerialScanner

        devs.append(SerialScanner(s["device"], suffix=s["suffix"], aim_prefix=s["aim_prefix"]))
    elif s["connection"] == "evdev":
        from drivers.scanner import EvdevScanner

        devs.append(EvdevScanner(s["device"]))

    c = _merged(d.card_reader, overrides.get("card_reader"))
    if c["connection"] == "pcsc":
        from drivers.cardreader import CardReader

        devs.append(CardReader(c["reader_name"] or None))
    return devs
