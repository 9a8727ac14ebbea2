"""Reservation tables (issue 15): bookings, the places taken per slot, and the mail outbox.

Personal data kept here is the least a booking needs and is purged after the visit (D-ALL-2): the mail
address (nullable, cleared), and the birth date only as a salted digest for "code + birth date". The card
is referred to by its row; the notice number is kept so that the notice's QR can check the visitor in.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from station.store.models import Base, UtcDateTime


class ReservationSlot(Base):
    """One slot's places taken, its capacity override and whether a supervisor closed it.

    A row exists once a slot was booked or changed; bookings bump `booked` with one conditional UPDATE
    (`booked < capacity`), so 50 residents racing for 10 places get exactly 10 on either backend."""

    __tablename__ = "reservation_slots"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    category: Mapped[str] = mapped_column(String(8), primary_key=True)
    slot: Mapped[str] = mapped_column(String(5), primary_key=True)  # "HH:MM", local time
    booked: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    capacity: Mapped[int | None] = mapped_column(Integer)  # None: derived from counters and service time
    closed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    closed_reason: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    updated_by: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Reservation(Base):
    __tablename__ = "reservations"
    __table_args__ = (
        # At most one open booking per card: `open_card_id` is the card while the booking is open, NULL after
        # (NULLs never clash on either backend, so no dialect-specific partial index is needed).
        UniqueConstraint("open_card_id", name="uq_reservations_open_card_id"),
        Index("ix_reservations_day_state", "day", "state"),
        Index("ix_reservations_notice_no", "notice_no"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(12), nullable=False, unique=True)
    category: Mapped[str] = mapped_column(String(8), nullable=False)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    slot: Mapped[str] = mapped_column(String(5), nullable=False)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="booked")
    source: Mapped[str] = mapped_column(String(16), nullable=False, default="web")
    card_id: Mapped[int | None] = mapped_column(ForeignKey("cards.id", ondelete="SET NULL"))
    open_card_id: Mapped[int | None] = mapped_column(Integer)
    notice_no: Mapped[str | None] = mapped_column(String(10))
    birth_salt: Mapped[bytes | None] = mapped_column(LargeBinary(16))  # personal (digest): purged after the visit
    birth_digest: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(254))  # personal: purged after the visit
    checklist_seen: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    checked_in_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    priority: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    purged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class TicketWatch(Base):
    """"Mail me when N are ahead of me" from the ticket status page: deleted when the ticket ends."""

    __tablename__ = "ticket_watches"
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    ahead: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)


class MailOutbox(Base):
    """A mail to send. `dedupe` makes each mail exist once; a row is claimed (sending) before the SMTP
    conversation, so two senders never both send it, and marked sent after: never sent twice."""

    __tablename__ = "mail_outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dedupe: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(String(24), nullable=False)
    to_addr: Mapped[str | None] = mapped_column(String(254))  # cleared once sent (personal)
    subject: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    qr_text: Mapped[str | None] = mapped_column(String(40))  # sent as a QR image beside the text
    state: Mapped[str] = mapped_column(String(12), nullable=False, default="pending")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_error: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    send_after: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
