"""Statistics for the daily report (D-ALL-1). Pure: no I/O, no clock."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100) of the values; None for no values.

    Nearest rank gives a value that really occurred (a wait someone had), which is what a city report
    should show: p90 of [1..10] is 9, the median (p50) of [1, 2, 3, 4] is 2."""
    if not values:
        return None
    xs = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(xs)))
    return float(xs[rank - 1])


def summary(values: Iterable[float]) -> dict[str, float | int | None]:
    """Count, median and p90 in minutes (one decimal)."""
    xs = list(values)
    med, p90 = percentile(xs, 50), percentile(xs, 90)
    return {"n": len(xs), "median_min": None if med is None else round(med, 1),
            "p90_min": None if p90 is None else round(p90, 1)}
