"""The card stock's read models, one pydantic model each: the service returns them and the router
(web/routers/stock.py) hands them out as its `response_model` as they are — no second copy to keep in step.

Personal fields (name_kana, birth_date) exist only on `CardView`, the single-card lookup.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_serializer

from station.domain import stock as rules
from station.domain.barcodes import make_box_label
from station.domain.card_record import CardRecord, CardStatus, NoticeType
from station.services import privacy


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class ProblemView(_View):
    line: int = Field(description="file line (1 = header; 0 = the file as a whole)")
    column: str
    reason_ja: str
    reason_en: str


class CheckResult(_View):
    """What an import would say, without writing."""

    ok: bool
    rows: int
    encoding: str
    problems: list[ProblemView]


class ImportResult(_View):
    batch_id: int
    imported: int = Field(description="cards added now (0 when the file was imported before)")
    already_imported: bool
    encoding: str
    first_box: int | None
    last_box: int | None
    file_sha256: str


class CardSummary(_View):
    """A card as lists show it: numbers, status, slot, dates — no personal data."""

    id: int
    manufacturing_no: str
    notice_no: str
    application_id: str
    application_date: date
    notice_type: str
    is_renewal: bool
    has_juki_card: bool
    delivery_lot: str
    status: str
    status_ja: str
    defect_reason: str | None
    return_reason: str | None
    mailed_on: date | None
    receipt_deadline: date | None
    box: int | None
    position: int | None
    box_label: str | None
    notice_note: str | None = Field(None, description="what the back office wrote on the notice (D-BO-3)")


class CardView(CardSummary):
    """One card with its holder's personal fields (None once purged): for the single-card lookup only."""

    name_kana: str | None = Field(description="personal: None once purged")
    birth_date: date | None = Field(description="personal: None once purged")
    batch_id: int
    past_deadline: bool

    # Blank for a reader without PERSONAL_DATA (station/services/privacy.py).
    @field_serializer("name_kana")
    def _personal_name(self, v: str | None) -> str | None:
        return None if privacy.hidden() else v

    @field_serializer("birth_date")
    def _personal_birth(self, v: date | None) -> date | None:
        return None if privacy.hidden() else v

    def summary(self) -> CardSummary:
        """The same card without its personal fields (what a transition answers)."""
        return CardSummary.model_validate({k: getattr(self, k) for k in CardSummary.model_fields})

    def record(self) -> CardRecord:
        return CardRecord(
            manufacturing_no=self.manufacturing_no, notice_no=self.notice_no, application_id=self.application_id,
            name_kana=self.name_kana, birth_date=self.birth_date, application_date=self.application_date,
            notice_type=NoticeType(self.notice_type), is_renewal=self.is_renewal,
            has_juki_card=self.has_juki_card, delivery_lot=self.delivery_lot, status=CardStatus(self.status),
            mailed_on=self.mailed_on, receipt_deadline=self.receipt_deadline, box=self.box, position=self.position,
        )


class CardEventView(_View):
    at: datetime
    actor: str
    from_status: str
    to_status: str
    reason: str
    detail: str


class MailResult(_View):
    mailed: int
    mailed_on: date
    receipt_deadline: date
    skipped: dict[str, int] = Field(description="status → cards in the range left alone (range mailing only)")


class BoxView(_View):
    box: int
    label: str
    count: int
    first_manufacturing_no: str
    last_manufacturing_no: str
    delivery_lot: str


class SlotView(_View):
    box: int
    position: int
    manufacturing_no: str
    notice_no: str
    status: str


class ApplicationStatus(_View):
    """What the phone desk needs for "my notice has not arrived" (D-TEL-4): no personal data."""

    application_id: str
    notice_no: str
    application_date: date
    days_since_application: int
    status: str
    status_ja: str
    notice_mailed: bool
    mailed_on: date | None
    receipt_deadline: date | None
    handover_suggested: bool = Field(description="over stale_application_days and still not mailed")
    message_ja: str
    message_en: str


class RangeResult(_View):
    """A step applied to many cards at once (a range of manufacturing numbers, a box, or a scan list)."""

    to: str
    moved: int
    manufacturing_nos: list[str] = Field(description="the cards moved, in manufacturing order")
    skipped: dict[str, int] = Field(description="status → cards left alone because the step is not allowed")
    mailed_on: date | None = None
    receipt_deadline: date | None = None


class NoticeCheck(_View):
    """A 交付通知書 scanned against the card it should go with (D-BO-1): a mismatch is loud on screen."""

    match: bool
    notice_no: str
    card_manufacturing_no: str
    card_notice_no: str
    message_ja: str
    message_en: str


class CardPage(_View):
    """One page of a card list (overdue, stale, by status): no personal data."""

    kind: str
    page: int
    per_page: int
    total: int
    pages: int
    items: list[CardSummary]


class ShelfFind(_View):
    """Where a card is, for the clerk fetching it (D-ISS-1): box and position, shown in large type."""

    manufacturing_no: str
    notice_no: str
    status: str
    status_ja: str
    box_label: str | None
    position: int | None
    on_shelf: bool


def _summary_fields(c: Any) -> dict[str, Any]:
    """From a Card or a Core row of the cards table (same attribute names)."""
    return dict(
        id=c.id, manufacturing_no=c.manufacturing_no, notice_no=c.notice_no, application_id=c.application_id,
        application_date=c.application_date, notice_type=c.notice_type, is_renewal=c.is_renewal,
        has_juki_card=c.has_juki_card, delivery_lot=c.delivery_lot, status=c.status,
        status_ja=rules.STATUS_JA[CardStatus(c.status)], defect_reason=c.defect_reason,
        return_reason=c.return_reason, mailed_on=c.mailed_on, receipt_deadline=c.receipt_deadline,
        box=c.box, position=c.position, box_label=make_box_label(c.box) if c.box else None,
        notice_note=c.notice_note,
    )


def summary_of(c: Any) -> CardSummary:
    """A Card row as lists show it (no personal data)."""
    return CardSummary(**_summary_fields(c))
