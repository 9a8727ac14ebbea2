"""Staffing what-if (issue 17, D-OTH-5): replay a recorded day's arrivals and service times against another
set of counters, with the daemon's own calling rule (`queue.pick_next`: oldest first across the counter's
categories, a ticket sent to a counter only there). Pure and deterministic: no clock, no I/O; the only
randomness (service times of visitors the record has none for) comes from the seed.

The model: a counter that is free calls at once; it is then busy for the visitor's recorded walk (call →
start) and service (start → finish), or, for a no-show, for the recorded call → no-show time. A visitor who
cancelled while waiting leaves the queue at that time. Ties at one instant: finishes first, then arrivals,
then free counters call in counter order (as `call_next` serialises them).
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from station.domain.queue import WaitingTicket, pick_next
from station.domain.report_stats import percentile


@dataclass(frozen=True)
class Visit:
    id: int
    category: str
    issued_at: datetime
    busy_min: float | None  # call → finish as recorded (walk + service, or the wait for a no-show)
    left_at: datetime | None = None  # cancelled while waiting: leaves the queue then
    target_counter: int | None = None


@dataclass(frozen=True)
class Counter:
    id: int
    categories: tuple[str, ...]


def simulate(visits: Sequence[Visit], counters: Sequence[Counter], seed: int = 0) -> dict[int, datetime]:
    """The call time of every visit that gets called, by visit id."""
    rng = random.Random(seed)
    known = [v.busy_min for v in visits if v.busy_min is not None]
    heap: list[tuple[datetime, int, int, int]] = []  # (time, kind 0 finish / 1 arrival / 2 leave, seq, ref)
    for i, v in enumerate(sorted(visits, key=lambda v: (v.issued_at, v.id))):
        heapq.heappush(heap, (v.issued_at, 1, i, v.id))
        if v.left_at is not None:
            heapq.heappush(heap, (v.left_at, 2, i, v.id))
    by_id = {v.id: v for v in visits}
    idle = {c.id for c in counters}
    cats = {c.id: c.categories for c in counters}
    waiting: dict[int, WaitingTicket] = {}
    called: dict[int, datetime] = {}
    seq = len(visits)
    while heap:
        t, kind, _s, ref = heapq.heappop(heap)
        if kind == 0:
            idle.add(ref)
        elif kind == 1:
            v = by_id[ref]
            waiting[v.id] = WaitingTicket(v.id, v.category, v.issued_at, v.target_counter)
        else:
            waiting.pop(ref, None)
        if heap and heap[0][0] == t:
            continue  # everything of this instant first, then the calls
        for cid in sorted(idle):
            nxt = pick_next(list(waiting.values()), cid, cats[cid])
            if nxt is None:
                continue
            del waiting[nxt.id]
            called[nxt.id] = t
            busy = by_id[nxt.id].busy_min
            if busy is None:
                busy = rng.choice(known) if known else 5.0
            idle.discard(cid)
            seq += 1
            heapq.heappush(heap, (t + timedelta(minutes=busy), 0, seq, cid))
    return called


def waits_by_hour(issued: dict[int, datetime], called: dict[int, datetime], hour_of: dict[int, int],
                  ) -> dict[int, dict[str, float | int | None]]:
    """Per hour of issue: n, median, p90 and longest wait in minutes (one decimal)."""
    hours: dict[int, list[float]] = {}
    for vid, c in called.items():
        hours.setdefault(hour_of[vid], []).append((c - issued[vid]).total_seconds() / 60)
    return {h: stats(ws) for h, ws in sorted(hours.items())}


def stats(ws: Sequence[float]) -> dict[str, float | int | None]:
    def r(x: float | None) -> float | None:
        return None if x is None else round(x, 1)

    return {"n": len(ws), "median_min": r(percentile(ws, 50)), "p90_min": r(percentile(ws, 90)),
            "max_min": r(max(ws)) if ws else None}


def counters_like(template: Sequence[Counter], n: int) -> list[Counter]:
    """n counters with the configured counters' category sets, repeated in order (counter ids 1..n)."""
    return [Counter(i + 1, template[i % len(template)].categories) for i in range(n)]


def fewest_counters(visits: Sequence[Visit], template: Sequence[Counter], p90_max_min: float, seed: int = 0,
                    max_counters: int = 30) -> int | None:
    """The fewest counters (shaped like the template) whose p90 wait over the day stays ≤ p90_max_min."""
    issued = {v.id: v.issued_at for v in visits}
    for n in range(1, max_counters + 1):
        called = simulate(visits, counters_like(template, n), seed)
        waits = [(c - issued[i]).total_seconds() / 60 for i, c in called.items()]
        p90 = percentile(waits, 90)
        if p90 is None or p90 <= p90_max_min:
            return n
    return None
