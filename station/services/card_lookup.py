"""How the counter finds the card for a notice and marks it issued: a small protocol over the card stock.

`StockCardLookup` adapts the card-stock service (station.services.stock); `MemoryCardLookup` holds records
in memory for tests that need no stock database.
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Any, Protocol

from station.domain.card_record import CardRecord, CardStatus
from station.services.audit import Actor
from station.services.errors import Conflict, NotFound


class CardLookup(Protocol):
    def find(self, notice_no: str) -> CardRecord | None:
        """The card for a canonical notice number, or None."""
        ...

    def mark_issued(self, notice_no: str, actor: Actor) -> None:
        """The card was handed over (ready → issued); Conflict when it cannot be."""
        ...


class StockCardLookup:
    def __init__(self, stock: Any) -> None:
        self.stock = stock

    def find(self, notice_no: str) -> CardRecord | None:
        try:
            return self.stock.find(notice_no).record()
        except NotFound:
            return None

    def mark_issued(self, notice_no: str, actor: Actor) -> None:
        self.stock.mark_issued(notice_no, actor)


class MemoryCardLookup:
    def __init__(self, records: list[CardRecord] | None = None) -> None:
        self._lock = threading.Lock()
        self.records: dict[str, CardRecord] = {r.notice_no: r for r in records or []}

    def add(self, record: CardRecord) -> None:
        with self._lock:
            self.records[record.notice_no] = record

    def find(self, notice_no: str) -> CardRecord | None:
        with self._lock:
            return self.records.get(notice_no)

    def mark_issued(self, notice_no: str, actor: Actor) -> None:
        with self._lock:
            r = self.records.get(notice_no)
            if r is None:
                raise NotFound("cases.lookup.no_card", params={"notice": notice_no})
            if r.status is not CardStatus.READY:
                raise Conflict("cases.lookup.not_ready", params={"status": r.status.value})
            self.records[notice_no] = dataclasses.replace(r, status=CardStatus.ISSUED, box=None, position=None)
