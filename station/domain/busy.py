"""Busy-time mode (混雑時体制, D-OTH-5, D-APP-2), pure: which categories each counter serves while it is on,
and how long it was on in a day (the report counts it).

On: every counter of the preset gets the preset's categories (counters the preset does not name keep
theirs); with no counters in the preset, every counter serves every category. Off: each counter goes back
to what it served before (the saved overrides, or the file's list).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime


def preset_plan(preset: Mapping[int, Sequence[str]], counters: Sequence[int],
                categories: Sequence[str]) -> dict[int, list[str]]:
    """counter → categories while busy, in the office's category order; unknown codes are dropped."""
    order = list(categories)
    if not preset:
        return {c: list(order) for c in counters}
    plan: dict[int, list[str]] = {}
    for c in counters:
        if c in preset:
            codes = [x for x in order if x in set(preset[c])]
            if codes:
                plan[c] = codes
    return plan


def minutes_on(periods: Sequence[tuple[datetime, datetime | None]], start: datetime, end: datetime,
               now: datetime) -> int:
    """Minutes of [start, end) covered by the periods (an open period runs until `now`)."""
    total = 0.0
    for on, off in periods:
        a, b = max(on, start), min(off or now, end)
        if b > a:
            total += (b - a).total_seconds()
    return int(total // 60)
