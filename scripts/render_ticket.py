"""Render the README's ticket picture: a real ticket layout, printed by the real driver over TCP to the
printer simulator, which renders what it parsed. Run: .venv/bin/python scripts/render_ticket.py"""

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


if __name__ == "__main__":
    main()
