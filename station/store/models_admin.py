"""Configuration changed live from the admin screen, kept apart from the config file it overrides.

The TOML file says how the office is built (categories, counters, devices); these rows hold what a
supervisor adjusts during the year — a day closed for a system outage, an extra holiday opening, a
counter moved to another category, an earlier cut-off — so it survives restarts and reaches every
daemon of the office from the shared database.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from station.store.models import Base, UtcDateTime


class CalendarOverride(Base):
    """One date whose kind differs from the calendar file: closed, holiday opening, or a normal day."""

    __tablename__ = "calendar_overrides"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # closed / holiday_opening / normal
    note: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    updated_by: Mapped[str] = mapped_column(String(64), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)


class CounterOverride(Base):
    """Which categories a counter serves, when changed from the file's list."""

    __tablename__ = "counter_overrides"

    counter_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    categories: Mapped[str] = mapped_column(String(200), nullable=False)  # codes, comma-separated
    updated_by: Mapped[str] = mapped_column(String(64), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)


class CategoryOverride(Base):
    """A category's cut-off and assumed service time, when changed from the file."""

    __tablename__ = "category_overrides"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    cutoff_minutes: Mapped[int | None] = mapped_column(Integer)  # None: the office default
    default_service_minutes: Mapped[float] = mapped_column(Float, nullable=False)
    updated_by: Mapped[str] = mapped_column(String(64), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
