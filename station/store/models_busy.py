"""Busy-time mode periods (issue 14): when 混雑時体制 was switched on and off, by whom, and what each
counter served before (so switching off restores it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from station.store.models import Base, UtcDateTime


class BusyPeriod(Base):
    __tablename__ = "busy_periods"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, index=True)
    started_by: Mapped[str] = mapped_column(String(64), nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ended_by: Mapped[str | None] = mapped_column(String(64))
    preset: Mapped[str] = mapped_column(Text, nullable=False, default="{}")  # JSON counter → categories applied
    saved: Mapped[str] = mapped_column(Text, nullable=False, default="{}")  # JSON counter → override before (or null)
