"""A recorded simulated day for the staffing what-if validation (issue 17): visitors arrive at seeded times,
and every counter that is free calls at once through the real services (queue.call_next, act START and
FINISH), so the database holds the waits the daemon's own calling SQL produced."""

from __future__ import annotations

import datetime as dt
import heapq
import random

from station.app import Station
from station.domain import queue as q
from station.domain.timezone import TOKYO
from station.services.audit import Actor


def run_greedy_day(st: Station, day: dt.date, visitors: int = 120, seed: int = 5) -> None:
    rng = random.Random(seed)
    clock = st.clock
    t0 = dt.datetime.combine(day, dt.time(9, 0), TOKYO)
    heap: list[tuple[dt.datetime, int, int, str]] = []  # (time, 0 finish / 1 arrival, seq, category or id)
    t = t0
    for i in range(visitors):
        t += dt.timedelta(seconds=rng.expovariate(1 / 150))  # a visitor every 2.5 minutes on average
        heapq.heappush(heap, (t, 1, i, rng.choice("AAABBCD")))
    idle = {c.id for c in st.settings.counters}
    busy_with: dict[int, int] = {}
    seq = visitors
    while heap:
        now, kind, _s, ref = heapq.heappop(heap)
        clock.set(now)  # type: ignore[attr-defined]
        if kind == 0:
            cid = int(ref)
            st.queue.act(busy_with.pop(cid), q.Action.FINISH, Actor(f"clerk-{cid}"))
            idle.add(cid)
        else:
            st.queue.issue(ref)
        if heap and heap[0][0] == now:
            continue
        for cid in sorted(idle):
            called = st.queue.call_next(cid, Actor(f"clerk-{cid}"))
            if called is None:
                continue
            st.queue.act(called.id, q.Action.START, Actor(f"clerk-{cid}"))
            idle.discard(cid)
            busy_with[cid] = called.id
            seq += 1
            service = dt.timedelta(seconds=rng.randint(180, 900))
            heapq.heappush(heap, (now + service, 0, seq, str(cid)))
