"""City staff's follow-through read models (issue 14), one pydantic model each: station.services.followup
returns them and web/routers/followup.py hands them out as its `response_model`. Codes, counts and times;
no personal data."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class OutcomeView(_View):
    handover_id: int
    code: str
    label_ja: str
    label_en: str
    note: str
    closed_at: datetime
    closed_by: str


class OutcomeChoice(_View):
    code: str
    label_ja: str
    label_en: str


class UrgentView(_View):
    id: int
    kind: str
    label_ja: str
    label_en: str
    counter_id: int | None
    raised_at: datetime
    raised_by: str
    acked_at: datetime | None
    acked_by: str | None
    ack_seconds: int | None


class CallbackView(_View):
    id: int
    handover_id: int
    promised_at: datetime
    created_by: str
    done_at: datetime | None
    done_by: str | None
    late: bool = Field(description="not done and the promised time has passed")


class KindCount(_View):
    kind: str
    label_ja: str
    label_en: str
    expected: int
    received: int | None


class ReceiptView(_View):
    """The day's collected papers as the counters recorded them, and city staff's count if given."""

    date: date
    kinds: list[KindCount]
    received_at: datetime | None
    received_by: str | None
    mismatches: list[KindCount]
    note: str


class PreprintView(_View):
    """A reissued application form waiting at (or given at) a counter (D-APP-3)."""

    handover_id: int
    counter_id: int | None
    ticket_number: str | None
    printed_at: datetime
    printed_by: str
    given_at: datetime | None
    given_by: str | None


class HeldView(_View):
    """A handover held for the 業務管理者 (D-OTH-4): what it is about, never what the visitor said."""

    handover_id: int
    reason: str
    reason_ja: str
    reason_en: str
    counter_id: int | None
    ticket_number: str | None
    requested_at: datetime


class FollowupCounts(_View):
    date: date
    outcomes: dict[str, int]
    urgent_raised: int
    urgent_acknowledged: int
    urgent_ack_seconds_max: int | None
    callbacks_done: int
    callbacks_open: int
    receipt: bool
    receipt_mismatches: int
    preprints_printed: int = 0
    preprints_given: int = 0
