"""The admin screen's read models: one pydantic view each, returned by the service and the API as they are."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class CalendarDayView(BaseModel):
    date: dt.date
    kind: str
    kind_ja: str
    source: str = Field(description="file (config) or admin (changed on this screen)")
    note: str
    hours: str = Field(description="opening hours that day, or 閉庁")

    @property
    def day(self) -> dt.date:
        return self.date


class CounterConfigView(BaseModel):
    id: int
    name_ja: str
    name_en: str
    categories: list[str]
    file_categories: list[str]


class CategoryConfigView(BaseModel):
    code: str
    prefix: str
    name_ja: str
    name_en: str
    cutoff_minutes: int | None
    effective_cutoff_minutes: int
    default_service_minutes: float
    changed: bool


class AdminConfigView(BaseModel):
    default_cutoff_minutes: int
    calendar: list[CalendarDayView]
    counters: list[CounterConfigView]
    categories: list[CategoryConfigView]
