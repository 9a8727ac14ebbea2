"""Database tables. Changes go through an Alembic migration (station/store/migrations)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware (UTC) datetimes out, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: store aware times only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class DailySequence(Base):
    """The last number issued per category per business day; bumped in the ticket's own transaction."""

    __tablename__ = "daily_sequences"
    business_date: Mapped[date] = mapped_column(Date, primary_key=True)
    category: Mapped[str] = mapped_column(String(8), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("business_date", "number", name="uq_tickets_day_number"),
        Index("ix_tickets_queue", "business_date", "state", "issued_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    business_date: Mapped[date] = mapped_column(Date, nullable=False)
    category: Mapped[str] = mapped_column(String(8), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    number: Mapped[str] = mapped_column(String(16), nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="waiting")
    source: Mapped[str] = mapped_column(String(16), nullable=False, default="api")
    token: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    called_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    counter_id: Mapped[int | None] = mapped_column(Integer)  # the counter that called/serves it
    target_counter_id: Mapped[int | None] = mapped_column(Integer)  # set by a transfer to a counter
    recall_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    transfer_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    original_category: Mapped[str | None] = mapped_column(String(8))


class TicketPrint(Base):
    """Whether a ticket's paper came out. Kept apart from the ticket row on purpose: the spooler's
    update must never hold the row lock that `call-next` skips (SKIP LOCKED), or a visitor would be
    passed over while their ticket prints."""

    __tablename__ = "ticket_prints"
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    printed: Mapped[bool] = mapped_column(Boolean, nullable=False)
    error: Mapped[str | None] = mapped_column(String(200))
    count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)


class Counter(Base):
    """Live state of a counter (its categories come from configuration)."""

    __tablename__ = "counters"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class AuditEntry(Base):
    """Who did what, when, from where. Never personal data: ids and numbers only."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    actor: Mapped[str] = mapped_column(String(64), nullable=False)
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    target: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    detail: Mapped[str] = mapped_column(Text, nullable=False, default="")
    client: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    # The HTTP request behind the entry (X-Request-ID, as on its log lines); None for devices and commands.
    request_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


def import_all_models() -> None:
    """Import every `station/store/models_*.py` so their tables join Base.metadata (migrations, tests).

    Each capability keeps its tables in its own module (models_auth.py, models_stock.py …)."""
    import importlib
    import pkgutil
    from pathlib import Path

    here = Path(__file__).resolve().parent
    for mod in pkgutil.iter_modules([str(here)]):
        if mod.name.startswith("models_"):
            importlib.import_module(f"station.store.{mod.name}")
