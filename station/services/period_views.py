"""The one pydantic view of the period report (issue 17), apart from the service so the renderings
(station.services.report_formats) and the service can both import it without a circle."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

PHONE_DESIGN_PER_DAY = 30  # the phone desk is designed for 30 calls a day (D-TEL-1)


class Times(BaseModel):
    n: int = 0
    median_min: float | None = None
    p90_min: float | None = None


class DayRow(BaseModel):
    """Every count of the daily report for one day (or, as `totals`, the whole period: day is None)."""

    day: date | None = None
    tickets: int = 0
    done: int = 0
    no_show: int = 0
    cancelled: int = 0
    tickets_by_category: dict[str, int] = Field(default_factory=dict)
    cases: int = 0
    issued: int = 0
    issued_renewals: int = 0
    returned_documents: int = 0
    documents_slips: int = 0
    renewal_guidance: int = 0
    pin_reset_guidance: int = 0
    insurance_applications: int = 0
    public_funds_registrations: int = 0
    phone: int = 0
    phone_trivial: int = 0
    phone_stale_notice: int = 0
    escalations: int = 0
    escalations_from_phone: int = 0
    escalations_from_counter: int = 0
    wait: Times = Field(default_factory=Times)


class CategoryTimes(BaseModel):
    category: str
    ja: str
    en: str
    issued: int
    states: dict[str, int]
    wait: Times
    walk: Times
    service: Times


class HourTimes(BaseModel):
    hour: int
    wait: Times
    walk: Times
    service: Times


class Count(BaseModel):
    key: str
    ja: str
    count: int


class ProcedureCount(BaseModel):
    procedure: str
    ja: str
    total: int
    outcomes: list[Count]


class PhoneCount(BaseModel):
    category: int
    mark: str
    ja: str
    count: int


class WorkerStats(BaseModel):
    """One counter or one clerk over the period. Idle = between first call and last finish of each day, the
    minutes neither with a visitor (call → finish) nor paused / closed (the counter's state changes; for a
    clerk, the ones the clerk made)."""

    key: str
    served: int
    no_shows: int
    handovers: int
    service_min_total: float
    service: Times
    idle_min: float
    days: int


class PeriodReport(BaseModel):
    start: date
    end: date
    kind: str
    days: int
    office: str
    generated_at: str
    totals: DayRow
    per_day: list[DayRow]
    by_category: list[CategoryTimes]
    by_hour: list[HourTimes]
    wait: Times
    walk: Times
    service: Times
    cases_by_procedure: list[ProcedureCount]
    handovers_by_reason: list[Count]
    collected: list[Count]
    consents: list[Count]
    phone_by_category: list[PhoneCount]
    phone_design_per_day: int = PHONE_DESIGN_PER_DAY
    phone_per_day_avg: float
    counters: list[WorkerStats]
    clerks: list[WorkerStats]
    clerks_note: str = Field(description="per-clerk figures are for the supervisor only (Japanese)")
