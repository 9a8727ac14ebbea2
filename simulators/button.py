"""A dispenser button box on a pty: presses are the bytes (or lines) the real box sends.

Used by the integration tests and by ``station run --simulate`` (the kiosk/sim API can call
``press_category``). ``bounce`` reproduces a worn contact: the same code several times in a burst.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping

from simulators.pty_port import PtyPort


class ButtonSimulator:
    def __init__(
        self,
        mapping_or_codes: Mapping[bytes | str, str] | Iterable[bytes | str],
        link_path: str | os.PathLike[str] | None = None,
        line_mode: bool = False,
    ) -> None:
        if isinstance(mapping_or_codes, Mapping):
            self.mapping = {_as_bytes(k): v for k, v in mapping_or_codes.items()}
        else:
            self.mapping = {_as_bytes(k): "" for k in mapping_or_codes}
        self.line_mode = line_mode
        self._port = PtyPort(link_path)

    @property
    def port_path(self) -> str:
        return self._port.path

    @property
    def plugged(self) -> bool:
        return self._port.is_open

    def _frame(self, code: bytes | str) -> bytes:
        raw = _as_bytes(code)
        return raw + b"\r\n" if self.line_mode else raw

    def press(self, code: bytes | str) -> None:
        """Send one press of ``code`` (any code, known or not: unknown ones test the driver's filter)."""
        self._port.write(self._frame(code))

    def press_category(self, category: str) -> None:
        for code, cat in self.mapping.items():
            if cat == category:
                self.press(code)
                return
        raise KeyError(f"no button for category {category!r}")

    def bounce(self, code: bytes | str, times: int = 5, within_ms: float = 100) -> None:
        """Send ``code`` ``times`` times spread over ``within_ms``, as a bouncing contact does.

        The sleep here imitates the physical timing of the contact; it is not test synchronisation.
        """
        gap = within_ms / 1000.0 / max(times - 1, 1)
        start = time.monotonic()
        for i in range(times):
            # Against the start, not the last press: oversleeping on a busy machine must not stretch the
            # bounce past its window (that would be two real presses, not a bounce).
            delay = start + i * gap - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self.press(code)

    def unplug(self) -> None:
        self._port.close()

    def plug(self) -> None:
        self._port.open()

    def close(self) -> None:
        self._port.close()


def _as_bytes(code: bytes | str) -> bytes:
    return code if isinstance(code, bytes) else code.encode("latin-1")
