"""Events shared between daemons on PostgreSQL: the database numbers them, LISTEN/NOTIFY wakes readers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from station.store.models import Base, UtcDateTime


class StoredEvent(Base):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_at", "at"),)

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                     autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    payload: Mapped[str] = mapped_column(Text, nullable=False)  # JSON; ticket numbers and states only
    at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
