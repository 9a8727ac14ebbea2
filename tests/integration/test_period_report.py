"""The period report (issue 17) over a generated month: its per-day rows equal the daily reports, its totals
the sum of the days, and its per-clerk figures what the clerks did (as the generator recorded it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from station.app import Station
from station.clock import ManualClock
from station.domain.period import Period, PeriodError, PeriodKind, period_of
from station.domain.timezone import TOKYO
from station.services.period_views import PeriodReport
from tests.conftest import make_settings
from tests.support.backoffice_day import DAY
from tests.support.period_month import MonthFacts, run_month


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Station, MonthFacts, PeriodReport]]:
    tmp: Path = tmp_path_factory.mktemp("month")
    clock = ManualClock(dt.datetime.combine(DAY, dt.time(8, 30), TOKYO))
    st = Station(make_settings(tmp), clock=clock, with_devices=False)
    st.start()
    try:
        facts = run_month(st)
        report = st.period_reports.report(period_of(PeriodKind.MONTH, DAY))
        yield st, facts, report
    finally:
        st.stop()


def test_per_day_rows_equal_the_daily_reports(month: tuple[Station, MonthFacts, PeriodReport]) -> None:
    st, facts, r = month
    assert r.start == dt.date(2026, 12, 1) and r.end == dt.date(2026, 12, 31) and r.days == 31
    by_day = {row.day: row for row in r.per_day}
    for day in facts.days:
        d, row = st.reports.daily(day), by_day[day]
        t = d["tickets"]
        assert row.tickets == t["total"]
        for c in t["by_category"]:
            assert row.tickets_by_category.get(c["category"], 0) == c["issued"]
        assert row.done == sum(c["done"] for c in t["by_category"])
        assert row.no_show == sum(c["no_show"] for c in t["by_category"])
        assert row.cancelled == sum(c["cancelled"] for c in t["by_category"])
        # the daily report rounds each exact wait, the period its 0.1-minute bucket: a half-way wait
        # (x.x5 minutes) may land one tenth apart
        assert row.wait.n == t["wait"]["n"]
        for m in ("median_min", "p90_min"):
            assert (row.wait.model_dump()[m] is None) == (t["wait"][m] is None)
            if t["wait"][m] is not None:
                assert abs(row.wait.model_dump()[m] - t["wait"][m]) <= 0.1 + 1e-9, (day, m)
        assert row.cases == d["cases"]["total"]
        for c in d["cases"]["counts"]:
            assert getattr(row, c["key"]) == c["count"], c["key"]
        assert row.phone == d["phone"]["total"] and row.phone_trivial == d["phone"]["trivial"]
        assert row.escalations == d["escalations"]["total"]
        assert row.escalations_from_phone == d["escalations"]["from_phone"]
    assert r.totals.tickets == facts.tickets + st.reports.daily(DAY)["tickets"]["total"]


def test_totals_are_the_sum_of_the_days(month: tuple[Station, MonthFacts, PeriodReport]) -> None:
    _st, _facts, r = month
    for name in ("tickets", "done", "no_show", "cancelled", "cases", "issued", "renewal_guidance",
                 "pin_reset_guidance", "insurance_applications", "public_funds_registrations", "phone",
                 "escalations", "escalations_from_phone", "escalations_from_counter"):
        assert getattr(r.totals, name) == sum(getattr(d, name) for d in r.per_day), name
    assert sum(c.issued for c in r.by_category) == r.totals.tickets
    assert sum(p.count for p in r.phone_by_category) == r.totals.phone
    assert r.wait.n == r.totals.wait.n
    assert sum(p.total for p in r.cases_by_procedure) == r.totals.cases


def test_per_clerk_figures_are_what_the_clerks_did(month: tuple[Station, MonthFacts, PeriodReport]) -> None:
    _st, facts, r = month
    clerks = {c.key: c for c in r.clerks}
    for name, f in facts.clerks.items():
        c = clerks[name]
        assert c.served == f.served and c.no_shows == f.no_shows, name
        assert c.service.n == f.served
        # buckets are 0.1 minute: each visit is off by at most 3 seconds
        assert abs(c.service_min_total - f.service_min) <= 0.05 * f.served + 0.05, name
        assert c.idle_min >= 0
    assert "業務管理者" in r.clerks_note
    served_at_counters = sum(c.served for c in r.counters)
    assert served_at_counters == r.totals.done


def test_a_range_and_its_refusals() -> None:
    assert period_of(PeriodKind.WEEK, dt.date(2026, 12, 3)) == Period(dt.date(2026, 11, 30), dt.date(2026, 12, 6),
                                                                      PeriodKind.WEEK)
    c = period_of(PeriodKind.CONTRACT, dt.date(2027, 2, 1))
    assert (c.start, c.end) == (dt.date(2026, 4, 1), dt.date(2027, 3, 31))
    with pytest.raises(PeriodError) as e:
        period_of(PeriodKind.RANGE, dt.date(2026, 12, 5), dt.date(2026, 12, 1))
    assert e.value.msg.code == "period.reversed"


def test_both_backends_agree_with_the_daily_report(any_station: Station) -> None:
    """The dialect branches (julianday / EXTRACT(EPOCH), the Tokyo hour) give the daily report's figures."""
    facts = run_month(any_station, days=2, per_day=5)
    r = any_station.period_reports.report(period_of(PeriodKind.RANGE, facts.days[0], facts.days[-1]))
    for row in r.per_day:
        if row.day not in facts.days:
            continue
        d = any_station.reports.daily(row.day)
        assert row.tickets == d["tickets"]["total"] and row.phone == d["phone"]["total"]
        assert row.cases == d["cases"]["total"] and row.wait.n == d["tickets"]["wait"]["n"]
        hours = {h["hour"]: h["wait"]["n"] for h in d["tickets"]["by_hour"]}
        if row.day == facts.days[-1]:  # one generated day alone: its hours are the period's hours
            r1 = any_station.period_reports.report(period_of(PeriodKind.DAY, row.day))
            assert {h.hour: h.wait.n for h in r1.by_hour if h.wait.n} == {k: v for k, v in hours.items() if v}
    served = {c.key: c.served for c in r.clerks}
    assert {k: served.get(k, 0) for k in facts.clerks} == {k: f.served for k, f in facts.clerks.items()}


def test_idle_time_leaves_out_a_pause(station: Station) -> None:
    """Two visits of 10 minutes between 9:00 and 10:00 with a 30-minute pause: 10 minutes idle."""
    from station.domain import queue as q
    from station.services.audit import Actor

    clerk, day = Actor("clerk-pause"), dt.date(2026, 12, 2)
    clock: ManualClock = station.clock  # type: ignore[assignment]

    def at(h: int, m: int) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(h, m), TOKYO)

    for issue, call, finish in ((at(8, 55), at(9, 0), at(9, 10)), (at(9, 45), at(9, 50), at(10, 0))):
        clock.set(issue)
        t = station.queue.issue("A")
        clock.set(call)
        assert station.queue.call_next(1, clerk) is not None
        station.queue.act(t.id, q.Action.START, clerk)
        clock.set(finish)
        station.queue.act(t.id, q.Action.FINISH, clerk)
        if finish == at(9, 10):
            station.queue.set_counter_state(1, q.CounterState.PAUSED, clerk)
            clock.set(at(9, 40))
            station.queue.set_counter_state(1, q.CounterState.OPEN, clerk)
    r = station.period_reports.report(period_of(PeriodKind.DAY, day))
    counter = next(c for c in r.counters if c.key == "1")
    assert counter.served == 2 and counter.idle_min == 10.0
    assert next(c for c in r.clerks if c.key == "clerk-pause").idle_min == 10.0
