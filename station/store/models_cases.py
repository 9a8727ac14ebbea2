"""Counter cases (D-DOC, D-ISS, D-OTH, D-INS, D-APP), their steps, consents and handovers to city staff.

Personal data lives only in the columns marked *personal*; `CaseService.purge` empties them when the
handover is closed or the day is handed over (D-ALL-2). Everything the counts need stays.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from station.store.models import Base, UtcDateTime


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_day_procedure", "business_date", "procedure"),
        Index("ix_cases_counter_state", "counter_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    business_date: Mapped[date] = mapped_column(Date, nullable=False)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    ticket_number: Mapped[str | None] = mapped_column(String(16))
    counter_id: Mapped[int | None] = mapped_column(Integer)
    procedure: Mapped[str] = mapped_column(String(32), nullable=False)
    flow: Mapped[str] = mapped_column(String(16), nullable=False)
    # open → (awaiting_staff →) … → closed; handed_over while city staff have it
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    clerk: Mapped[str] = mapped_column(String(64), nullable=False)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    outcome: Mapped[str | None] = mapped_column(String(32))
    linked_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    # what the counts need (never personal)
    is_renewal: Mapped[bool | None] = mapped_column(Boolean)
    renewal_guidance: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    pin_reset_guidance: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    documents_slip: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    insurance_applied: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    public_funds_registered: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    collected: Mapped[str] = mapped_column(Text, nullable=False, default="")  # comma-separated kinds (D-BO-6)
    # personal: purged on handover close / end of day (D-ALL-2)
    notice_no: Mapped[str | None] = mapped_column(String(16))
    data: Mapped[str | None] = mapped_column(Text)  # JSON working state: documents presented, verdicts
    purged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class CaseStep(Base):
    """One step done on a case: who, when, what (non-personal detail); undone steps stay, marked."""

    __tablename__ = "case_steps"
    __table_args__ = (Index("ix_case_steps_case", "case_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), nullable=False)
    step: Mapped[str] = mapped_column(String(32), nullable=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    actor: Mapped[str] = mapped_column(String(64), nullable=False)
    detail: Mapped[str] = mapped_column(Text, nullable=False, default="")
    undoable: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    undone_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    undone_by: Mapped[str | None] = mapped_column(String(64))


class CaseConsent(Base):
    """A consent the visitor gave (D-INS-2), with the time and the clerk who confirmed it."""

    __tablename__ = "case_consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    clerk: Mapped[str] = mapped_column(String(64), nullable=False)


class Handover(Base):
    """A case handed to city staff (引継ぎ): waiting → taken → closed."""

    __tablename__ = "case_handovers"
    __table_args__ = (Index("ix_case_handovers_state", "state", "requested_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), nullable=False)
    business_date: Mapped[date] = mapped_column(Date, nullable=False)
    reason: Mapped[str] = mapped_column(String(32), nullable=False)
    from_step: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="waiting")
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    requested_by: Mapped[str] = mapped_column(String(64), nullable=False)
    taken_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    taken_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_by: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)  # personal: what the visitor said; purged on close
