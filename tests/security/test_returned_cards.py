"""Returned cards do not keep the holder's name and birth date forever (issue 13, Low 14).

`_purge_cards` touched issued cards only. A card that leaves the stock (returned to J-LIS after a defect, a
passed deadline or a cancellation) is purged by the next end-of-day close or `station purge` once
`[backoffice] retention_days` have passed since it left; a card still in stock keeps what the counter needs.
"""

from __future__ import annotations

import datetime as dt

from station.app import Station
from station.clock import ManualClock
from station.domain.stock_csv import write_stock_csv
from station.services.audit import Actor
from tests.support.backoffice_day import CARDS

WHO = Actor("back-office")


def test_a_returned_card_is_purged_after_the_retention(station: Station, clock: ManualClock) -> None:
    station.stock.import_bytes(write_stock_csv(CARDS), "list.csv", WHO)
    gone, kept = CARDS[3], CARDS[2]
    station.stock.transition(gone.notice_no, "defect", WHO, reason="print")
    station.stock.transition(gone.notice_no, "returned", WHO, reason="defect")
    station.stock.transition(kept.notice_no, "defect", WHO, reason="print")
    days = station.settings.backoffice.retention_days
    station.end_of_day.purge(WHO)
    assert station.stock.get(gone.notice_no).name_kana == gone.name_kana  # within the retention: kept
    clock.set(clock.now() + dt.timedelta(days=days + 1))
    station.end_of_day.purge(WHO)
    card = station.stock.get(gone.notice_no)
    assert card.name_kana is None and card.birth_date is None
    still = station.stock.get(kept.notice_no)  # a defect card still in stock keeps them
    assert still.name_kana == kept.name_kana
