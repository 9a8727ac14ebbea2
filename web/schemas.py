"""JSON shapes of the API. Field names here are a contract external checks rely on (DESIGN.md)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field


class Message(BaseModel):
    message_ja: str
    message_en: str


class ErrorOut(BaseModel):
    detail: Message


class TicketOut(BaseModel):
    id: int
    number: str = Field(description="as printed, e.g. A012")
    spoken: str
    category: str
    category_name_ja: str
    category_name_en: str
    state: str
    issued_at: datetime
    called_at: datetime | None
    counter_id: int | None
    recall_count: int
    waiting_ahead: int
    estimated_wait_min: int
    printed: bool | None
    print_error: str | None
    business_date: date


class IssuedTicketOut(TicketOut):
    status_url: str = Field(description="the visitor's status page (the ticket's QR code)")


class TicketIn(BaseModel):
    category: str = Field(min_length=1, max_length=8)


class TransferIn(BaseModel):
    category: str | None = Field(None, min_length=1, max_length=8)
    counter_id: int | None = Field(None, ge=1)


class TakeOverIn(BaseModel):
    counter_id: int = Field(ge=1, description="the counter taking the visitor over")


class ActionIn(BaseModel):
    counter_id: int | None = Field(None, ge=1, description="the counter acting (defaults to the ticket's)")


class CategoryOut(BaseModel):
    code: str
    name_ja: str
    name_en: str
    description_ja: str
    description_en: str
    prefix: str
    waiting: int
    oldest_wait_min: int
    estimated_wait_min: int
    accepting: bool
    message_ja: str
    message_en: str


class CounterOut(BaseModel):
    id: int
    name_ja: str
    name_en: str
    categories: list[str]
    state: str
    current_ticket: TicketOut | None
    handled_today: int


class DeviceOut(BaseModel):
    kind: str
    health: str
    reason_ja: str
    reason_en: str


class HealthOut(BaseModel):
    status: Literal["ok"]
    simulated: bool
    clock_simulated: bool
    now: datetime
    counter_id: int
    devices: dict[str, DeviceOut]


class ReprintOut(BaseModel):
    printed: bool
    ticket: TicketOut
