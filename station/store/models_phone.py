"""Phone reception slips (電話受付票, D-TEL-1). Personal columns are emptied when the call's handover to
city staff closes or its day is handed over (D-ALL-2); category, times and escalation stay for the counts."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from station.store.models import Base, UtcDateTime


class PhoneCall(Base):
    __tablename__ = "phone_calls"
    __table_args__ = (
        Index("ix_phone_calls_day_category", "business_date", "category"),
        Index("ix_phone_calls_case", "case_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    business_date: Mapped[date] = mapped_column(Date, nullable=False)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    recorded_by: Mapped[str] = mapped_column(String(64), nullable=False)
    category: Mapped[int] = mapped_column(Integer, nullable=False)  # 1..10 (①..⑩)
    trivial: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)  # category only (D-TEL-1)
    escalation: Mapped[str | None] = mapped_column(String(32))  # complaint / preprint / notice_not_arrived
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    handover_id: Mapped[int | None] = mapped_column(Integer)
    application_date: Mapped[date | None] = mapped_column(Date)  # D-TEL-4 lookup result (not personal alone)
    days_since_application: Mapped[int | None] = mapped_column(Integer)
    stale: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # personal: purged on handover close / end of day (D-ALL-2)
    content: Mapped[str | None] = mapped_column(Text)
    response: Mapped[str | None] = mapped_column(Text)
    caller_name: Mapped[str | None] = mapped_column(String(64))
    caller_phone: Mapped[str | None] = mapped_column(String(32))
    lookup_ref: Mapped[str | None] = mapped_column(String(32))  # the notice / application number given
    purged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
