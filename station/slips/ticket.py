"""The visitor's numbered ticket: what they hold while waiting, so the number must be unmissable.

Printed in Japanese (the office's language); the words come from the queue catalog (`queue.slip.*`).
It takes the ticket's view (`station.services.queue_views`), never the queue service itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from drivers.receipt import Align, Barcode, Feed, QRCode, Receipt, Rule, Text
from station.domain.barcodes import make_ticket_code
from station.domain.timezone import TOKYO
from station.messages import text

if TYPE_CHECKING:
    from station.config import StationSettings
    from station.services.queue_views import TicketView


def status_url(settings: StationSettings, token: str) -> str:
    return f"{settings.office.public_url.rstrip('/')}/t/{token}"


def ticket_receipt(settings: StationSettings, t: TicketView, reprint: bool = False) -> Receipt:
    issued = t.issued_at.astimezone(TOKYO)
    elements = [
        Text(settings.office.name, align=Align.CENTER, bold=True),
        Text(t.category_name_ja, width=2, height=2, align=Align.CENTER),
        *([Text("予約（優先）", width=2, height=2, bold=True, align=Align.CENTER)] if t.priority else []),
        Rule(),
        Text(text("queue.slip.heading"), align=Align.CENTER),
        Text(t.number, width=6, height=6, bold=True, align=Align.CENTER),
        Feed(1),
        Text(text("queue.slip.issued", month=issued.month, day=issued.day, time=f"{issued:%H:%M}"),
             align=Align.CENTER),
        Text(_wait_line(t), align=Align.CENTER),
    ]
    if reprint:
        elements.append(Text(text("queue.slip.reprint"), align=Align.CENTER))
    elements += [
        Rule(),
        Text(text("queue.slip.please_wait"), align=Align.CENTER),
        Text(text("queue.slip.status_here"), align=Align.CENTER),
        QRCode(status_url(settings, t.token), size=5),
        Barcode(make_ticket_code(t.id)),
    ]
    return Receipt(tuple(elements))


def _wait_line(t: TicketView) -> str:
    if t.waiting_ahead == 0:
        return text("queue.slip.soon")
    return text("queue.slip.ahead", n=t.waiting_ahead, minutes=t.estimated_wait_min)
