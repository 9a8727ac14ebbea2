"""The visitor's numbered ticket: what they hold while waiting, so the number must be unmissable."""

from __future__ import annotations

from typing import TYPE_CHECKING

from drivers.receipt import Align, Barcode, Feed, QRCode, Receipt, Rule, Text
from station.domain.barcodes import make_ticket_code
from station.domain.calendar import TOKYO

if TYPE_CHECKING:
    from station.config import StationSettings
    from station.services.queue import TicketView


def status_url(settings: StationSettings, token: str) -> str:
    return f"{settings.office.public_url.rstrip('/')}/t/{token}"


def ticket_receipt(settings: StationSettings, t: TicketView, reprint: bool = False) -> Receipt:
    issued = t.issued_at.astimezone(TOKYO)
    elements = [
        Text(settings.office.name, align=Align.CENTER, bold=True),
        Text(t.category_name_ja, width=2, height=2, align=Align.CENTER),
        *([Text("予約（優先）", width=2, height=2, bold=True, align=Align.CENTER)] if t.priority else []),
        Rule(),
        Text("受付番号", align=Align.CENTER),
        Text(t.number, width=6, height=6, bold=True, align=Align.CENTER),
        Feed(1),
        Text(f"発券 {issued.month}月{issued.day}日 {issued:%H:%M}", align=Align.CENTER),
        Text(_wait_line(t), align=Align.CENTER),
    ]
    if reprint:
        elements.append(Text("（再発行）", align=Align.CENTER))
    elements += [
        Rule(),
        Text("番号が呼ばれるまでお待ちください", align=Align.CENTER),
        Text("待ち状況はこちら", align=Align.CENTER),
        QRCode(status_url(settings, t.token), size=5),
        Barcode(make_ticket_code(t.id)),
    ]
    return Receipt(tuple(elements))


def _wait_line(t: TicketView) -> str:
    if t.waiting_ahead == 0:
        return "まもなくお呼びします"
    return f"先にお待ちの方 {t.waiting_ahead}人  目安 約{t.estimated_wait_min}分"
