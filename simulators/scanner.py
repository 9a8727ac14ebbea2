"""A serial barcode scanner on a pty: each scan is the code, optional AIM prefix, and the suffix.

Besides good scans it can misbehave the ways real scanners and cables do (noise, a code cut off
half-way, raw bytes) so the driver's framing rules are exercised over the real channel.
"""

from __future__ import annotations

import os

from drivers.scanner import AIM_BY_SYMBOLOGY, SUFFIXES
from simulators.pty_port import PtyPort

# Line noise as a loose connector or a wrong baud rate produces: control and 8-bit bytes, then a CR.
NOISE = b"\x00\xfe\x13q\x81\x07\x1b[\xff\r"


class ScannerSimulator:
    def __init__(
        self,
        suffix: str = "CR",
        aim_prefix: bool = False,
        link_path: str | os.PathLike[str] | None = None,
    ) -> None:
        self.suffix = suffix
        self.suffix_bytes = SUFFIXES[suffix]
        self.aim_prefix = aim_prefix
        self._port = PtyPort(link_path)

    @property
    def port_path(self) -> str:
        return self._port.path

    @property
    def plugged(self) -> bool:
        return self._port.is_open

    def frame(self, text: str, symbology: str | None = None) -> bytes:
        """The exact bytes the scanner sends for ``text`` (also handy for pure framer tests)."""
        prefix = ""
        if self.aim_prefix:
            prefix = AIM_BY_SYMBOLOGY[symbology or "code128"]
        return (prefix + text).encode("ascii") + self.suffix_bytes

    def scan(self, text: str, symbology: str | None = None) -> None:
        self._port.write(self.frame(text, symbology))

    def send_noise(self) -> None:
        self._port.write(NOISE)

    def send_partial(self, text: str) -> None:
        """The first part of a code and then nothing (a scan interrupted mid-transmission)."""
        self._port.write(text.encode("ascii"))

    def send_raw(self, data: bytes) -> None:
        self._port.write(data)

    def unplug(self) -> None:
        self._port.close()

    def plug(self) -> None:
        self._port.open()

    def close(self) -> None:
        self._port.close()
