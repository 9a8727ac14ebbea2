"""A generated month for the period report tests (issue 17): the scripted day of tests/support/backoffice_day
(every procedure, handovers, phone calls) on 1 December, then weekday after weekday of visitors served by
three clerks who change counters from day to day, with no-shows and phone calls.

Everything goes through the services (queue.issue, call_next, act, phone.record) as the daemon would, on a
manual clock; the generator records what each clerk did so the tests can check the report against it
without the report's code. Deterministic: a seeded Random.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from station.app import Station
from station.domain import queue as q
from station.domain.timezone import TOKYO
from station.services.audit import Actor
from tests.support.backoffice_day import DAY, run_day

CLERKS = ("clerk-ito", "clerk-kato", "clerk-sato")


@dataclass
class ClerkFacts:
    served: int = 0
    no_shows: int = 0
    service_min: float = 0.0
    services: list[float] = field(default_factory=list)


@dataclass
class MonthFacts:
    days: list[dt.date] = field(default_factory=list)
    clerks: dict[str, ClerkFacts] = field(default_factory=dict)
    tickets: int = 0


def weekdays(first: dt.date, n: int) -> list[dt.date]:
    out, d = [], first
    while len(out) < n:
        if d.weekday() < 5:
            out.append(d)
        d += dt.timedelta(days=1)
    return out


def run_month(st: Station, days: int = 8, per_day: int = 12, seed: int = 17) -> MonthFacts:
    """The scripted day, then `days` generated weekdays of `per_day` visitors each."""
    clock = st.clock
    rng = random.Random(seed)
    facts = MonthFacts(clerks={c: ClerkFacts() for c in CLERKS})
    clock.set(dt.datetime.combine(DAY, dt.time(8, 30), TOKYO))  # type: ignore[attr-defined]
    run_day(st)
    facts.days.append(DAY)
    counters = {c.id: list(c.categories) for c in st.settings.counters}
    recalls = st.settings.queue.recalls_before_no_show
    for n, day in enumerate(weekdays(DAY + dt.timedelta(days=1), days)):
        facts.days.append(day)
        seat = {cid: CLERKS[(i + n) % len(CLERKS)] for i, cid in enumerate(sorted(counters))}
        t = dt.datetime.combine(day, dt.time(9, 0), TOKYO)
        for _ in range(per_day):
            cat = rng.choice(["A", "B", "C", "D"])
            counter = rng.choice([cid for cid, cats in counters.items() if cat in cats])
            clerk = Actor(seat[counter])
            clock.set(t)  # type: ignore[attr-defined]
            st.queue.issue(cat)
            facts.tickets += 1
            t += dt.timedelta(minutes=rng.randint(0, 8), seconds=rng.randint(0, 59))
            clock.set(t)  # type: ignore[attr-defined]
            called = st.queue.call_next(counter, clerk)
            assert called is not None
            f = facts.clerks[clerk.name]
            if rng.random() < 0.1:  # nobody comes: recalled, then marked absent
                for _r in range(recalls):
                    t += dt.timedelta(minutes=1)
                    clock.set(t)  # type: ignore[attr-defined]
                    st.queue.act(called.id, q.Action.RECALL, clerk)
                t += dt.timedelta(minutes=1)
                clock.set(t)  # type: ignore[attr-defined]
                st.queue.act(called.id, q.Action.NO_SHOW, clerk)
                f.no_shows += 1
            else:
                t += dt.timedelta(seconds=rng.randint(20, 90))
                clock.set(t)  # type: ignore[attr-defined]
                st.queue.act(called.id, q.Action.START, clerk)
                svc = dt.timedelta(minutes=rng.randint(2, 9), seconds=rng.randint(0, 59))
                t += svc
                clock.set(t)  # type: ignore[attr-defined]
                st.queue.act(called.id, q.Action.FINISH, clerk)
                f.served += 1
                f.services.append(svc.total_seconds() / 60)
                f.service_min += svc.total_seconds() / 60
            t += dt.timedelta(minutes=rng.randint(1, 6))
        for k in range(rng.randint(1, 4)):
            clock.set(t + dt.timedelta(minutes=k))  # type: ignore[attr-defined]
            st.phone.record(rng.randint(1, 10), Actor(CLERKS[k % 3]), content="generated")
    return facts
