"""The queue's read models: one pydantic view each, returned by the service and by the API as they are.

Why a module of its own: the ticket slip, the print spooler and the routers need these shapes, and none
of them should import the queue service (the slip would pull in the store). Field names are a contract
external checks rely on (DESIGN.md); `token` travels with the ticket for the slip's QR code and the
status URL but is never serialised (`exclude=True`): whoever holds the token can follow the ticket.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class TicketView(BaseModel):
    """A ticket as screens and the API show it (no personal data exists on a ticket)."""

    model_config = ConfigDict(frozen=True)

    id: int
    number: str = Field(description="as printed, e.g. A012")
    spoken: str
    category: str
    category_name_ja: str
    category_name_en: str
    state: str
    issued_at: datetime
    called_at: datetime | None
    counter_id: int | None
    recall_count: int
    waiting_ahead: int
    estimated_wait_min: int
    printed: bool | None
    print_error: str | None
    token: str = Field(exclude=True)
    business_date: date
    # A checked-in booking's ticket, as issued (the slip prints 予約; issue 15). Not stored on the ticket: the
    # reservations table knows which tickets are priority ones.
    priority: bool = False


class IssuedTicketView(TicketView):
    """A ticket just issued through the API: with the visitor's status page (the ticket's QR code)."""

    status_url: str = Field(description="the visitor's status page (the ticket's QR code)")

    @classmethod
    def of(cls, ticket: TicketView, status_url: str) -> IssuedTicketView:
        """The issued ticket is its view plus where the visitor follows it."""
        return cls(**dict(ticket), status_url=status_url)


class CategoryStatus(BaseModel):
    """A category with its live waiting count, estimated wait, and whether the dispenser accepts now."""

    model_config = ConfigDict(frozen=True)

    code: str
    name_ja: str
    name_en: str
    description_ja: str
    description_en: str
    prefix: str
    waiting: int
    oldest_wait_min: int
    estimated_wait_min: int
    accepting: bool
    message_ja: str
    message_en: str


class CounterView(BaseModel):
    """A counter: what it serves, its state, who it is serving now and how many it finished today."""

    id: int
    name_ja: str
    name_en: str
    categories: list[str]
    state: str
    current_ticket: TicketView | None
    handled_today: int


class ReprintView(BaseModel):
    """The outcome of a reprint: whether the paper came out, and the ticket as it is now."""

    printed: bool
    ticket: TicketView


class VisitorStatus(BaseModel):
    """What the visitor's phone may know (the ticket's status page): the number and the queue, nothing
    personal, no ids."""

    number: str
    category_name_ja: str
    category_name_en: str
    state: str
    waiting_ahead: int
    estimated_wait_min: int
    counter_id: int | None
    counter_name_ja: str | None
    counter_name_en: str | None
    recall_count: int
    now: str = Field(description="the station's time (ISO 8601), for the page's 'as of'")


class NextVisitor(BaseModel):
    """The answer of the clerk's "next visitor": whom this counter finished, and whom it calls now."""

    finished: TicketView | None = Field(description="the visitor finished by this action (null: none was served)")
    called: TicketView | None = Field(description="the visitor called now (null: nobody is waiting)")
