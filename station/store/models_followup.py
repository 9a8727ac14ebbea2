"""City staff's follow-through (issue 14): handover outcomes, urgent alerts, call-backs, the end-of-day
staff receipt. Counts and codes; the only words are a few of staff's own about what they did."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from station.store.models import Base, UtcDateTime


class HandoverOutcome(Base):
    """What city staff did with a handover; stays after the case's personal data is purged."""

    __tablename__ = "handover_outcomes"
    handover_id: Mapped[int] = mapped_column(ForeignKey("case_handovers.id", ondelete="CASCADE"), primary_key=True)
    business_date: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    reason: Mapped[str] = mapped_column(String(32), nullable=False)
    code: Mapped[str] = mapped_column(String(32), nullable=False)
    note: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    closed_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    closed_by: Mapped[str] = mapped_column(String(64), nullable=False)


class UrgentAlert(Base):
    """Trouble or police raised from a counter (D-GUI-2), until a person acknowledges it."""

    __tablename__ = "urgent_alerts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    business_date: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    counter_id: Mapped[int | None] = mapped_column(Integer)
    raised_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    raised_by: Mapped[str] = mapped_column(String(64), nullable=False)
    acked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    acked_by: Mapped[str | None] = mapped_column(String(64))
    ack_seconds: Mapped[int | None] = mapped_column(Integer)


class Callback(Base):
    """A handover that needs an answer by phone, with the time promised to the caller."""

    __tablename__ = "handover_callbacks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    handover_id: Mapped[int] = mapped_column(ForeignKey("case_handovers.id", ondelete="CASCADE"), nullable=False,
                                             unique=True)
    business_date: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    promised_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    done_by: Mapped[str | None] = mapped_column(String(64))


class StaffReceipt(Base):
    """City staff's receipt of a day's collected papers (D-BO-6), with every mismatch (JSON)."""

    __tablename__ = "staff_receipts"
    business_date: Mapped[date] = mapped_column(Date, primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    received_by: Mapped[str] = mapped_column(String(64), nullable=False)
    expected: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    received: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    mismatches: Mapped[str] = mapped_column(Text, nullable=False, default="[]")
    note: Mapped[str] = mapped_column(String(200), nullable=False, default="")


class Preprint(Base):
    """A reissued application form (preprint, D-APP-3): requested at a counter, printed by city staff, given
    to the visitor at that counter. Numbers and times only."""

    __tablename__ = "preprints"
    handover_id: Mapped[int] = mapped_column(ForeignKey("case_handovers.id", ondelete="CASCADE"), primary_key=True)
    business_date: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    counter_id: Mapped[int | None] = mapped_column(Integer)
    ticket_number: Mapped[str | None] = mapped_column(String(16))
    printed_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    printed_by: Mapped[str] = mapped_column(String(64), nullable=False)
    given_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    given_by: Mapped[str | None] = mapped_column(String(64))


class HandoverForward(Base):
    """D-OTH-4: a handover the 業務管理者 reported and passed on to city staff (held for them until then)."""

    __tablename__ = "handover_forwards"
    handover_id: Mapped[int] = mapped_column(ForeignKey("case_handovers.id", ondelete="CASCADE"), primary_key=True)
    forwarded_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    forwarded_by: Mapped[str] = mapped_column(String(64), nullable=False)
