"""Card stock tables (D-BO-1..4): cards, their lifecycle history, and the import batches they came in.

Personal fields (name_kana, birth_date) are nullable: they are purged when the case is closed (D-ALL-2),
while the card row, its slot and its history stay. The individual number is never a column here.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from station.store.models import Base, UtcDateTime


class StockImportBatch(Base):
    """One imported カード発行一覧 file. The file hash makes re-importing the same file a no-op."""

    __tablename__ = "stock_import_batches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    actor: Mapped[str] = mapped_column(String(64), nullable=False)
    file_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    file_sha256: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    encoding: Mapped[str] = mapped_column(String(16), nullable=False)
    row_count: Mapped[int] = mapped_column(Integer, nullable=False)
    first_box: Mapped[int | None] = mapped_column(Integer)
    last_box: Mapped[int | None] = mapped_column(Integer)


class Card(Base):
    __tablename__ = "cards"
    __table_args__ = (
        # The physical slot of a card on the shelf; cleared (NULL) once it leaves (issued / returned).
        Index("uq_cards_box_position", "box", "position", unique=True),
        Index("ix_cards_status_deadline", "status", "receipt_deadline"),
        Index("ix_cards_status_application_date", "status", "application_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    manufacturing_no: Mapped[str] = mapped_column(String(12), nullable=False, unique=True)
    notice_no: Mapped[str] = mapped_column(String(10), nullable=False, unique=True)
    application_id: Mapped[str] = mapped_column(String(23), nullable=False, index=True)
    name_kana: Mapped[str | None] = mapped_column(String(64))  # personal: purged after handover
    birth_date: Mapped[date | None] = mapped_column(Date)  # personal: purged after handover
    application_date: Mapped[date] = mapped_column(Date, nullable=False)
    notice_type: Mapped[str] = mapped_column(String(20), nullable=False)
    is_renewal: Mapped[bool] = mapped_column(Boolean, nullable=False)
    has_juki_card: Mapped[bool] = mapped_column(Boolean, nullable=False)
    delivery_lot: Mapped[str] = mapped_column(String(32), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="received")
    defect_reason: Mapped[str | None] = mapped_column(String(16))
    return_reason: Mapped[str | None] = mapped_column(String(16))
    mailed_on: Mapped[date | None] = mapped_column(Date)
    receipt_deadline: Mapped[date | None] = mapped_column(Date)
    box: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int | None] = mapped_column(Integer)
    batch_id: Mapped[int] = mapped_column(ForeignKey("stock_import_batches.id"), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    personal_purged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # What the back office wrote on the notice (D-BO-3: reissue notes …); numbers and words, no personal data.
    notice_note: Mapped[str | None] = mapped_column(String(200))


class CardEvent(Base):
    """One lifecycle step of one card: who, when, from → to, why. No personal data.

    A card's receipt (→ received) is its import batch (who imported it, when), not a row here."""

    __tablename__ = "card_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"), nullable=False, index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    actor: Mapped[str] = mapped_column(String(64), nullable=False)
    from_status: Mapped[str] = mapped_column(String(16), nullable=False)
    to_status: Mapped[str] = mapped_column(String(16), nullable=False)
    reason: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    detail: Mapped[str] = mapped_column(Text, nullable=False, default="")
