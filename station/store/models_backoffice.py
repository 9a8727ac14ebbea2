"""End of day (D-BO-6): a business day handed over to city staff, with what was collected (counts only)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from station.store.models import Base, UtcDateTime


class BackofficeDay(Base):
    __tablename__ = "backoffice_days"

    business_date: Mapped[date] = mapped_column(Date, primary_key=True)
    closed_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    closed_by: Mapped[str] = mapped_column(String(64), nullable=False)
    collected: Mapped[str] = mapped_column(Text, nullable=False, default="{}")  # JSON {kind: count}
    purged_cases: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    purged_calls: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    purged_cards: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
