"""Render the README's ticket and slip pictures: real layouts, printed by the real driver over TCP to the
printer simulator, which renders what it parsed (docs/ticket*.png, docs/slip-*.png).
Run: .venv/bin/python scripts/render_ticket.py"""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from drivers.printer import ReceiptPrinter  # noqa: E402
from simulators.printer import PrinterSimulator  # noqa: E402
from station.config import load_settings  # noqa: E402
from station.domain.timezone import TOKYO  # noqa: E402
from station.services.queue_views import TicketView  # noqa: E402
from station.slips.ticket import ticket_receipt  # noqa: E402


def slips(settings: object) -> dict[str, object]:
    """One of each guidance slip, as the counter composes them at 10:04 on Tuesday 1 December 2026."""
    from station.app import load_business_calendar
    from station.domain.documents import Presented, Who, check_documents
    from station.procedures_catalog import load_catalog
    from station.services.cases.slips import Slips
    from tests.integration.test_cases_service import record

    cal = load_business_calendar(settings)  # type: ignore[arg-type]
    now = datetime(2026, 12, 1, 10, 4, tzinfo=TOKYO)

    class Fixed:
        simulated = True

        def now(self) -> datetime:
            return now

    s = Slips(settings, cal, load_catalog(), Fixed(), lambda: None)  # type: ignore[arg-type]
    rules = s.catalog.document_rules()
    out: dict[str, object] = {}
    for name, rec, presented in (
        ("slip-documents.png", record(2, has_juki_card=True), Presented(frozenset({"notice"}), ("health_insurance",))),
        ("slip-documents-proxy.png", record(1), Presented(frozenset({"notice", "notification_card", "delegation"}),
                                                          ("driving_licence",), Who.PROXY, "work", ("passport",))),
    ):
        v = check_documents(rec, presented, now.date(), rules)
        out[name] = s.receipt("documents", s.documents_params(v, presented, "2027-02-28", "A012"))
    out["slip-renewal.png"] = s.receipt("renewal", {"expires_on": "2026-12-31", "days_left": 30,
                                                    "ticket_number": "D003"})
    out["slip-pin-reset.png"] = s.receipt("pin_reset", {"locked": ["auth", "assist"], "ticket_number": "D004"})
    return out


def main() -> None:
    settings = load_settings(REPO / "config" / "station.example.toml")
    ticket = TicketView(
        id=1234, number="A012", spoken="A 12", category="A", category_name_ja="交付",
        category_name_en="Card receipt", state="waiting",
        issued_at=datetime(2026, 12, 1, 10, 4, tzinfo=TOKYO), called_at=None, counter_id=None,
        recall_count=0, waiting_ahead=5, estimated_wait_min=18, printed=None, print_error=None,
        token="Xq3v-example-token-9Lk2", business_date=date(2026, 12, 1),
    )
    out = REPO / "docs"
    out.mkdir(exist_ok=True)
    for kanji, name in ((True, "ticket.png"), (False, "ticket-raster.png")):
        with PrinterSimulator(port=0) as sim:
            printer = ReceiptPrinter.network("127.0.0.1", sim.port, kanji_mode=kanji, poll_interval=None)
            printer.print_receipt(ticket_receipt(settings, ticket))
            printer.close()
            [job] = sim.wait_for_jobs(1)
        (out / name).write_bytes(job.png)
        print(f"wrote docs/{name}")
    for name, receipt in slips(settings).items():
        with PrinterSimulator(port=0) as sim:
            printer = ReceiptPrinter.network("127.0.0.1", sim.port, poll_interval=None)
            printer.print_receipt(receipt)  # type: ignore[arg-type]
            printer.close()
            [job] = sim.wait_for_jobs(1)
        (out / name).write_bytes(job.png)
        print(f"wrote docs/{name}")


if __name__ == "__main__":
    main()
