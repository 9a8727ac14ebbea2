"""JSON shapes of the API. Field names here are a contract external checks rely on (DESIGN.md).

The queue's read models (tickets, categories, counters) are the service's own views in
`station.services.queue_views`; what stays here are request bodies and shapes no service returns.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class Message(BaseModel):
    message_ja: str
    message_en: str


class ErrorOut(BaseModel):
    detail: Message


class TicketIn(BaseModel):
    category: str = Field(min_length=1, max_length=8)


class TransferIn(BaseModel):
    category: str | None = Field(None, min_length=1, max_length=8)
    counter_id: int | None = Field(None, ge=1, le=999)


class TakeOverIn(BaseModel):
    counter_id: int = Field(ge=1, le=999, description="the counter taking the visitor over")


class ActionIn(BaseModel):
    counter_id: int | None = Field(None, ge=1, le=999, description="the counter acting (defaults to the ticket's)")


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
