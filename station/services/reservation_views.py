"""What the reservation use cases return: one pydantic view per read model, the router's response_model.

Public views carry nothing personal beyond what the resident typed: no name, no birth date, no other
resident's booking. Staff views (the day's board) carry booking codes and states, never a mail address.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class SlotView(BaseModel):
    slot: str = Field(description="local start time HH:MM")
    starts_at: datetime
    ends_at: datetime
    capacity: int
    free: int
    closed: bool = False


class DaySlotsView(BaseModel):
    category: str
    day: date
    label_ja: str
    slots: list[SlotView]


class BookableDayView(BaseModel):
    day: date
    label_ja: str
    free: int


class CategoryChoiceView(BaseModel):
    code: str
    name_ja: str
    name_en: str
    needs_notice: bool


class ChecklistItemView(BaseModel):
    item: str
    ja: str
    en: str
    rule: str


class IdentityView(BaseModel):
    """The notice and birth date matched a card that can be booked (or whose checklist can be shown)."""

    notice_no: str
    checklist: list[ChecklistItemView]
    open_booking: bool = Field(description="this card already has an open booking")


class BookingView(BaseModel):
    code: str
    qr_text: str
    category: str
    category_name_ja: str
    day: date
    day_label_ja: str
    slot: str
    starts_at: datetime
    ends_at: datetime
    state: str
    source: str
    change_until: datetime
    mail: bool = Field(description="a mail address was given (it is not shown)")
    checklist: list[ChecklistItemView] = []


class CheckInView(BaseModel):
    outcome: str = Field(description="priority | late | missed | too_early | other_day")
    priority: bool
    message_ja: str
    message_en: str
    ticket_id: int | None = None
    number: str | None = None
    token: str | None = None
    status_url: str | None = None
    opens_at: datetime | None = None


class BoardEntryView(BaseModel):
    code: str
    category: str
    slot: str
    state: str
    source: str
    late: bool
    number: str | None = None


class BoardSlotView(BaseModel):
    category: str
    slot: str
    capacity: int
    booked: int
    closed: bool
    closed_reason: str
    entries: list[BoardEntryView]


class DayBoardView(BaseModel):
    day: date
    slots: list[BoardSlotView]
    counts: dict[str, int]


class SlotClosedView(BaseModel):
    day: date
    category: str
    slot: str
    affected: list[str] = Field(description="booking codes of the residents affected")
    mailed: int


class HourlyView(BaseModel):
    hour: int
    typical_wait_min: int


class PublicCategoryView(BaseModel):
    code: str
    name_ja: str
    name_en: str
    waiting: int
    now_calling: str | None
    estimated_wait_min: int
    accepting: bool
    accepting_until: datetime | None
    message_ja: str
    typical_by_hour: list[HourlyView]


class PublicStatusView(BaseModel):
    now: datetime
    open_today: bool
    opens: str | None
    closes: str | None
    categories: list[PublicCategoryView]


class WatchView(BaseModel):
    ahead: int
    message_ja: str
    message_en: str


class MailView(BaseModel):
    id: int
    kind: str
    state: str
    attempts: int
    subject: str
    created_at: datetime
    sent_at: datetime | None
