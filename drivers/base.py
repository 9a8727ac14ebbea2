"""What every device driver shares: a status the screens can explain, and a way to report events.

Drivers run their own I/O (a thread per device, because pyserial and pyscard block) and report back
through a plain callback. The daemon wraps that callback so it lands on its asyncio loop; the driver
never sees the loop, the bus or anything of station/.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


class DeviceKind(enum.StrEnum):
    BUTTON = "button"
    PRINTER = "printer"
    CARD_READER = "card_reader"
    SCANNER = "scanner"


class Health(enum.StrEnum):
    OK = "ok"              # working
    DEGRADED = "degraded"  # works, but needs attention soon (paper near end, one try left …)
    DOWN = "down"          # cannot be used now (offline, unplugged, cover open, paper out)
    UNKNOWN = "unknown"    # not yet checked


@dataclass(frozen=True)
class DeviceStatus:
    """A device's state with a reason a clerk can act on.

    `code` is the reason's stable message code (`printer.paper_out` …): the station renders it from its
    catalogs (`station/messages/*/devices.json`); drivers may not import station/, so they name the reason
    and, until every reader of these objects uses the code, also keep their own two sentences."""

    kind: DeviceKind
    health: Health
    reason_ja: str = ""
    reason_en: str = ""
    detail: str = ""  # technical detail for the log, never shown to visitors
    code: str = ""  # message code of the reason ("" when healthy or unknown)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "health": self.health.value,
            "reason_ja": self.reason_ja,
            "reason_en": self.reason_en,
        }


# A driver reports events (its own typed dataclasses, and DeviceStatus) through this.
EventSink = Callable[[object], None]


class Device(Protocol):
    """The lifecycle every long-running driver offers to the daemon."""

    kind: DeviceKind

    def start(self, sink: EventSink) -> None: ...

    def stop(self) -> None: ...

    @property
    def status(self) -> DeviceStatus: ...
