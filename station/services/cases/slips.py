"""The guidance slips a case prints (持ち物案内, 更新のご案内, 暗証番号再設定のご案内) and their printing.

A slip is printed after its case's change commits (`Change.then`): a printer fault never undoes a step, and
the slip's parameters stay in the case's data so it can be reprinted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any

from drivers.receipt import Receipt
from station.clock import Clock
from station.config import StationSettings
from station.domain.calendar import BusinessCalendar
from station.domain.documents import Kind, Presented, Problem, Verdict
from station.messages import text
from station.procedures_catalog import Catalog
from station.services.errors import Invalid
from station.slips import guidance

log = logging.getLogger("station.services.cases")

PrinterProvider = Callable[[], Any]
# Items of the document check that are not catalog documents: the visitor's name for them (slips.item.*).
PLAIN_NAMES = ("holder_id", "proxy_id", "guardian_id", "guardian", "proxy_reason", "notice")
ID_ITEMS = {"holder_id": "holder_ids", "proxy_id": "proxy_ids", "guardian_id": "guardian_ids"}
NUMBER_DOCS = ("notification_card", "number_notice", "loss_report")


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
        """How the slip names a missing item: the catalog's document name, or the visitor's plain words."""
        if item in PLAIN_NAMES:
            return text(f"slips.item.{item}")
        return self.catalog.doc_name(item)[0]

    def office(self) -> guidance.Office:
        o = self.settings.office
        return guidance.Office(o.name, o.address, o.phone, self.settings.calendar.default_cutoff_minutes)

    def visitor_why(self, problem: Problem, presented: Presented, age: int | None) -> str:
        """Why an item is on the slip, said to the visitor (the clerk's verdict words stay on the panel)."""
        rules = self.catalog.document_rules()
        item, kind = problem.item, problem.kind
        if item in presented.copies or (kind is Kind.INVALID and item in presented.documents):
            return text("slips.why.copy")
        if item in ID_ITEMS:
            ids = tuple(dict.fromkeys(getattr(presented, ID_ITEMS[item])))
            if not ids:
                return text("slips.why.id_missing", n=rules.non_photo_ids_needed)
            if any(c not in rules.id_kinds for c in ids):
                return text("slips.why.id_not_accepted")
            return text("slips.why.id_too_few", n=rules.non_photo_ids_needed, k=len(ids))
        if item in NUMBER_DOCS:
            return text("slips.why.number_document")
        if item == "proxy_reason":
            reason = rules.proxy_reasons.get(presented.proxy_reason or "")
            if reason is None:
                return text("slips.why.proxy_reason")
            return reason.why_ja or text("slips.why.proxy_reason_refused")
        if item == "proxy_proof":
            reason = rules.proxy_reasons.get(presented.proxy_reason or "")
            return text("slips.why.proxy_proof", proof=reason.proof_ja if reason and reason.proof_ja
                        else self.catalog.doc_name("proxy_proof")[0])
        if item == "guardian":
            return text("slips.why.guardian", age=rules.guardian_under_age)
        if item in ("juki_card", "current_card", "delegation"):
            return text(f"slips.why.{item}")
        return ""

    def documents_params(self, verdict: Verdict, presented: Presented, deadline: str | None,
                         ticket_number: str | None) -> dict[str, Any]:
        """What the 持ち物案内 prints for an incomplete set: each missing item and why (in the visitor's
        words), the rest of the set to bring again, the receipt deadline. Kept on the case for reprints."""
        missing_items = {p.item for p in verdict.problems}
        name = self.plain_name
        missing = [[text("slips.item.number_document") if p.item in NUMBER_DOCS else name(p.item),
                     self.visitor_why(p, presented, verdict.age)] for p in verdict.problems]
        bring = [text("slips.item.number_document") if r.item in NUMBER_DOCS else name(r.item)
                 for r in verdict.required
                 if r.item not in missing_items and r.item not in ("proxy_reason", "guardian")]
        return {"missing": missing, "bring_also": bring, "deadline": deadline, "ticket_number": ticket_number}

    def receipt(self, kind: str, params: dict[str, Any]) -> Receipt:
        office = self.office()
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
                                         within_months=self.catalog.rules.renew_within_months,
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

