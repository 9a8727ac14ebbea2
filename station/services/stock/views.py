"""The card stock's read models, one pydantic model each: the service returns them and the router
(web/routers/stock.py) hands them out as its `response_model` as they are — no second copy to keep in step.

Personal fields (name_kana, birth_date) exist only on `CardView`, the single-card lookup.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from station.domain.card_record import CardRecord, CardStatus, NoticeType


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


class CardView(CardSummary):
    """One card with its holder's personal fields (None once purged): for the single-card lookup only."""

    name_kana: str | None = Field(description="personal: None once purged")
    birth_date: date | None = Field(description="personal: None once purged")
    batch_id: int
    past_deadline: bool

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
