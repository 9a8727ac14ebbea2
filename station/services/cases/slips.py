"""The guidance slips a case prints (持ち物案内, 更新のご案内, 暗証番号再設定のご案内) and their printing.

A slip is printed after its case's change commits (`Change.then`): a printer fault never undoes a step, and
the slip's parameters stay in the case's data so it can be reprinted.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import date
from typing import Any

from drivers.receipt import Receipt
from station.clock import Clock
from station.config import StationSettings
from station.domain.calendar import BusinessCalendar
from station.messages import text
from station.procedures_catalog import Catalog
from station.services.errors import Invalid
from station.slips import guidance

log = logging.getLogger("station.services.cases")

PrinterProvider = Callable[[], Any]
# Items of the document check that are not catalog documents: their plain name on the slip.
PLAIN_NAMES = ("holder_id", "proxy_id", "guardian_id", "guardian", "proxy_reason")


class Slips:
    """Builds and prints a case's slips; remembers the last print of each case for the panel."""

    def __init__(self, settings: StationSettings, calendar: BusinessCalendar, catalog: Catalog, clock: Clock,
                 printer: PrinterProvider) -> None:
        self.settings = settings
        self.calendar = calendar
        self.catalog = catalog
        self.clock = clock
        self.printer = printer
        self.last_print: dict[int, dict[str, Any]] = {}

    def plain_name(self, item: str) -> str:
        """How the slip names a missing item: the catalog's document name, or the ID rule's plain words."""
        if item in PLAIN_NAMES:
            return text(f"cases.item.{item}")
        return self.catalog.doc_name(item)[0]

    def receipt(self, kind: str, params: dict[str, Any]) -> Receipt:
        office = self.settings.office.name
        now = self.clock.now()
        if kind == "documents":
            deadline = date.fromisoformat(params["deadline"]) if params.get("deadline") else None
            return guidance.documents_slip(office, self.calendar, now,
                                           missing=[(a, b) for a, b in params["missing"]],
                                           bring_also=params["bring_also"], deadline=deadline,
                                           ticket_number=params.get("ticket_number"))
        if kind == "renewal":
            exp = date.fromisoformat(params["expires_on"]) if params.get("expires_on") else None
            return guidance.renewal_slip(office, self.calendar, now, expires_on=exp, days_left=params.get("days_left"),
                                         expired=bool(params.get("expired")),
                                         ticket_number=params.get("ticket_number"))
        if kind == "pin_reset":
            return guidance.pin_reset_slip(office, self.calendar, now, locked=params["locked"],
                                           ticket_number=params.get("ticket_number"))
        raise Invalid("cases.no_such_slip", params={"kind": kind})

    def print(self, case_id: int, kind: str, params: dict[str, Any]) -> dict[str, Any]:
        """Print one slip; the outcome (printed or the printer's error) is what the panel shows."""
        printer = self.printer()
        error = None
        if printer is None:
            error = text("cases.no_printer")
        else:
            try:
                printer.print_receipt(self.receipt(kind, params))
            except Exception as exc:  # the case is committed; the slip can be reprinted
                error = str(getattr(exc, "message_ja", "") or exc)[:200] or text("cases.print_failed")
                log.warning("slip %s for case %s not printed: %s", kind, case_id, type(exc).__name__)
        result = {"kind": kind, "printed": error is None, "error": error}
        self.last_print[case_id] = result
        return result


def why(p: Any) -> str:
    """The reason line under a missing item on the slip: only what the item's name does not say already."""
    if p.kind == "missing":
        m = re.search(r"（(.*)）$", p.ja)
        return m.group(1) if m else ""
    return p.ja
