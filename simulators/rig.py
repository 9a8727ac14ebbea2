"""Every device of one counter as its simulator, on its real channel: what `station run --simulate` starts.

The daemon then connects its real drivers to these (TCP printer, pty button and scanner, pcscd + vpcd
card), so simulator mode exercises exactly the code that runs against hardware.
"""

from __future__ import annotations

import datetime as dt
import logging
import socket
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from simulators.button import ButtonSimulator
from simulators.card import VpcdCardClient
from simulators.card_profiles import PROFILES
from simulators.pcscd import PcscdService, PcscdUnavailable, free_vpcd_slot, wait_reader_empty
from simulators.printer import PrinterSimulator
from simulators.scanner import ScannerSimulator

log = logging.getLogger(__name__)


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


class SimulatorRig:
    def __init__(
        self,
        workdir: Path,
        *,
        button_codes: Mapping[str, str],
        scanner_suffix: str = "CR",
        printer_port: int = 9100,
        now: Callable[[], dt.datetime] | None = None,
        with_card: bool = True,
    ) -> None:
        self.workdir = workdir
        self.button_codes = dict(button_codes)
        self.scanner_suffix = scanner_suffix
        self.printer_port = printer_port
        self.now = now
        self.with_card = with_card
        self.printer: PrinterSimulator | None = None
        self.button: ButtonSimulator | None = None
        self.scanner: ScannerSimulator | None = None
        self.pcscd: PcscdService | None = None
        self.card: VpcdCardClient | None = None
        self.card_error: str = ""
        self.reader_name: str = ""

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        # The configured port if it is free (so `station ticket reprint` finds it), else any free port.
        port = self.printer_port if self.printer_port and _port_free("127.0.0.1", self.printer_port) else 0
        # No jobs_dir: the daemon runs all day; slips are drawn when the /sim page asks for one.
        self.printer = PrinterSimulator("127.0.0.1", port).start()
        (self.workdir / "printer.port").write_text(str(self.printer.port), encoding="ascii")
        self.button = ButtonSimulator({k.encode(): v for k, v in self.button_codes.items()},
                                      link_path=self.workdir / "ttyBUTTON")
        self.scanner = ScannerSimulator(suffix=self.scanner_suffix, link_path=self.workdir / "ttySCANNER")
        if self.with_card:
            try:
                self.pcscd = PcscdService().start()
                port, self.reader_name = free_vpcd_slot()
                self.card = VpcdCardClient(port=port, now=self._card_now)
            except PcscdUnavailable as e:
                # The counter still works without a reader; the panel shows why it is red.
                self.card_error = str(e)
                log.error("card reader simulator unavailable: %s", e)

    def _card_now(self) -> dt.datetime:
        return self.now() if self.now else dt.datetime.now(dt.UTC)

    def endpoints(self) -> dict[str, dict[str, Any]]:
        """Connection settings that point the real drivers at the simulators."""
        assert self.printer and self.button and self.scanner
        ep: dict[str, dict[str, Any]] = {
            "printer": {"connection": "network", "host": "127.0.0.1", "port": self.printer.port},
            "button": {"connection": "serial", "device": str(self.workdir / "ttyBUTTON")},
            "scanner": {"connection": "serial", "device": str(self.workdir / "ttySCANNER"),
                        "suffix": self.scanner_suffix, "aim_prefix": False},
        }
        ep["card_reader"] = {"connection": "pcsc" if self.card else "none",
                             "reader_name": self.reader_name}
        return ep

    def press(self, category: str) -> None:
        assert self.button
        self.button.press_category(category)

    def remove_card(self) -> None:
        """Take the card off the reader, and return once pcscd has noticed (as a hand would)."""
        assert self.card
        self.card.remove()
        wait_reader_empty(self.reader_name, timeout=3.0)

    def card_state(self) -> dict[str, Any]:
        return {
            "available": self.card is not None,
            "error": self.card_error,
            "inserted": self.card is not None and self.card.profile is not None,
            "profile": self.card.profile if self.card else None,
            "profiles": [{"name": p.name, "description_ja": p.description_ja} for p in PROFILES.values()],
        }

    def stop(self) -> None:
        for name in ("card", "scanner", "button"):
            part = getattr(self, name)
            if part is not None:
                try:
                    part.close()
                except Exception:
                    log.exception("stopping %s simulator failed", name)
        if self.printer:
            self.printer.stop()
        if self.pcscd:
            self.pcscd.stop()
