"""Axis ticks for the report charts (issue 17, and the readability item of issue 12). Pure.

Why here: a count axis must show whole numbers (no "2.5 visitors"), and the same ticks must come out on the
screen and on paper, so the one rule lives in the domain and both renderings read it.
"""

from __future__ import annotations

import math


def nice_step(span: float, max_ticks: int = 6, integer: bool = True) -> float:
    """The smallest 1-2-5 step that splits 0..span into at most max_ticks intervals (≥ 1 for counts)."""
    if span <= 0:
        return 1.0
    raw = span / max_ticks
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        step = m * mag
        if step >= raw:
            break
    return max(1.0, step) if integer else step


def ticks(max_value: float, max_ticks: int = 6, integer: bool = True) -> list[float]:
    """0, step, 2·step … up to the first tick at or above max_value (the axis top)."""
    step = nice_step(max_value, max_ticks, integer)
    top = step * max(1, math.ceil(max_value / step)) if max_value > 0 else step
    n = round(top / step)
    return [round(i * step, 6) for i in range(n + 1)]
