"""A card waiting in stock for its holder, as the counter and the back office both see it.

One shape shared by the card-stock import (D-BO-2), shelving (D-BO-4) and the issuance check at the
counter (D-DOC, D-ISS). The name and birth date are personal data: kept only until the card is handed
over and the case closed (D-ALL-2); the individual number is never part of it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date


class NoticeType(enum.StrEnum):
    """What the holder received when their number was assigned (D-DOC-3)."""

    NOTIFICATION_CARD = "notification_card"  # 通知カード (older residents)
    NUMBER_NOTICE = "number_notice"          # 個人番号通知書 (from May 2020)


class CardStatus(enum.StrEnum):
    RECEIVED = "received"      # delivered from J-LIS
    INSPECTED = "inspected"    # print and photo checked, matches the list (D-BO-1)
    DEFECT = "defect"          # inspection found a problem
    MAILED = "mailed"          # issuance notice mailed (D-BO-3)
    READY = "ready"            # on the shelf, waiting for the holder
    ISSUED = "issued"          # handed over at the counter
    RETURNED = "returned"      # deadline passed, defect, or cancelled


@dataclass(frozen=True)
class CardRecord:
    manufacturing_no: str          # 製造管理番号: shelf order
    notice_no: str                 # 交付通知書番号, canonical "AB1-234562" (station.domain.barcodes)
    application_id: str            # 申請書ID
    name_kana: str | None          # 氏名（カナ） — personal, purged after handover
    birth_date: date | None        # 生年月日 — personal, purged after handover
    application_date: date
    notice_type: NoticeType
    is_renewal: bool               # holder already has a My Number Card (D-DOC-5)
    has_juki_card: bool            # holder holds a 住基カード (D-DOC-4, D-ISS-3)
    delivery_lot: str
    status: CardStatus = CardStatus.RECEIVED
    mailed_on: date | None = None
    receipt_deadline: date | None = None
    box: int | None = None
    position: int | None = None


def age_on(birth: date, today: date) -> int:
    """Age in full years; in Japanese law one turns N on the day before the birthday, but for the
    under-15 rule (D-DOC-8) the counter uses the ordinary reckoning the city's manual gives: on the birthday."""
    years = today.year - birth.year
    if (today.month, today.day) < (birth.month, birth.day):
        years -= 1
    return years
