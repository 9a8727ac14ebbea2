"""Report periods and the statistics of a period report (D-ALL-1, D-OTH-5). Pure: no I/O, no clock.

Why histograms: a month (or a year) of a busy office is too many durations to hold in memory, so the store
groups them into 0.1-minute buckets (the resolution the report prints) and the median / p90 are read off the
bucket counts here, by the same nearest rank as `report_stats.percentile` (a value someone really waited).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from station.domain.messages import Msg

BUCKETS_PER_MINUTE = 10  # 0.1-minute buckets: the store's grouping and the report's one decimal
CONTRACT_START_MONTH = 4  # the city's fiscal year (and the contract's term) starts in April
MAX_DAYS = 3 * 366  # longest range one report covers (three contract years)


class PeriodKind(enum.StrEnum):
    DAY = "day"
    WEEK = "week"  # Monday to Sunday
    MONTH = "month"
    CONTRACT = "contract"  # the fiscal year April–March holding the anchor day
    RANGE = "range"


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    kind: PeriodKind = PeriodKind.RANGE

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def each_day(self) -> Iterable[date]:
        d = self.start
        while d <= self.end:
            yield d
            d += timedelta(days=1)


class PeriodError(ValueError):
    def __init__(self, msg: Msg) -> None:
        self.msg = msg
        super().__init__(msg.code)


def period_of(kind: PeriodKind, anchor: date, end: date | None = None,
              contract_start_month: int = CONTRACT_START_MONTH) -> Period:
    """The period of a kind holding the anchor day; RANGE takes anchor..end. Refuses reversed and too long
    ranges with a Msg (the words are the catalog's)."""
    if kind is PeriodKind.DAY:
        return Period(anchor, anchor, kind)
    if kind is PeriodKind.WEEK:
        start = anchor - timedelta(days=anchor.weekday())
        return Period(start, start + timedelta(days=6), kind)
    if kind is PeriodKind.MONTH:
        start = anchor.replace(day=1)
        nxt = (start + timedelta(days=32)).replace(day=1)
        return Period(start, nxt - timedelta(days=1), kind)
    if kind is PeriodKind.CONTRACT:
        year = anchor.year if anchor.month >= contract_start_month else anchor.year - 1
        start = date(year, contract_start_month, 1)
        return Period(start, date(year + 1, contract_start_month, 1) - timedelta(days=1), kind)
    last = end or anchor
    if last < anchor:
        raise PeriodError(Msg.of("period.reversed", start=anchor.isoformat(), end=last.isoformat()))
    if (last - anchor).days + 1 > MAX_DAYS:
        raise PeriodError(Msg.of("period.too_long", days=MAX_DAYS))
    return Period(anchor, last, kind)


def hist_percentile(hist: Mapping[int, int], p: float) -> float | None:
    """Nearest-rank percentile (minutes) of bucket counts {bucket: n}; None when empty."""
    total = sum(hist.values())
    if total == 0:
        return None
    rank = max(1, math.ceil(p / 100 * total))
    seen = 0
    for bucket in sorted(hist):
        seen += hist[bucket]
        if seen >= rank:
            return round(bucket / BUCKETS_PER_MINUTE, 1)
    return round(max(hist) / BUCKETS_PER_MINUTE, 1)  # pragma: no cover - rank <= total


def hist_summary(hist: Mapping[int, int]) -> dict[str, float | int | None]:
    """Count, median and p90 in minutes, the shape of `report_stats.summary`."""
    return {"n": sum(hist.values()), "median_min": hist_percentile(hist, 50), "p90_min": hist_percentile(hist, 90)}


def add_hist(into: dict[int, int], bucket: int, n: int) -> None:
    into[bucket] = into.get(bucket, 0) + n


def idle_minutes(span_seconds: float, busy_seconds: float, away_seconds: float = 0.0) -> float:
    """Idle while open: the time between a counter's (or clerk's) first call and last finish of a day not
    spent with a visitor nor paused / closed. Never negative (overlapping calls after a take-over)."""
    return round(max(0.0, span_seconds - busy_seconds - away_seconds) / 60, 1)


def away_seconds(changes: Sequence[tuple[float, str]], start: float, end: float) -> float:
    """Seconds of [start, end] spent paused or closed, from state changes (Unix seconds, "open" / "paused" /
    "closed") in time order; the state before the first change is open."""
    total, state, since = 0.0, "open", start
    for at, new in changes:
        if at >= end:
            break
        if at > since:
            if state != "open":
                total += at - since
            since = at
        state = new
    if state != "open" and end > since:
        total += end - since
    return total
