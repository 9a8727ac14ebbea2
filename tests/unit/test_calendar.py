"""D-CAL: hours, long Thursdays, holiday openings, closed days, cut-off."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from station.domain.calendar import (
    BusinessCalendar,
    dispenser_decision,
    hours_on,
    is_long_thursday,
    is_open,
    next_opening,
)
from station.domain.timezone import TOKYO
from station.messages import text

CAL = BusinessCalendar(
    closed_dates=frozenset({date(2026, 12, 29), date(2026, 11, 23)}),
    holiday_openings=frozenset({date(2026, 11, 29)}),  # a Sunday
)
dates = st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 31))


def at(d: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(d, time(hh, mm), TOKYO)


def test_normal_weekday_hours() -> None:
    h = hours_on(CAL, date(2026, 12, 1))  # Tuesday
    assert h is not None and (h.opens, h.closes) == (time(8, 30), time(17, 0))


def test_first_and_third_thursday_until_19() -> None:
    assert hours_on(CAL, date(2026, 12, 3)).closes == time(19, 0)   # 1st Thursday
    assert hours_on(CAL, date(2026, 12, 10)).closes == time(17, 0)  # 2nd
    assert hours_on(CAL, date(2026, 12, 17)).closes == time(19, 0)  # 3rd
    assert hours_on(CAL, date(2026, 12, 24)).closes == time(17, 0)  # 4th
    assert hours_on(CAL, date(2026, 12, 31)).closes == time(17, 0)  # 5th


def test_holiday_opening_and_closed_days() -> None:
    h = hours_on(CAL, date(2026, 11, 29))
    assert h is not None and h.holiday_opening and (h.opens, h.closes) == (time(9), time(12))
    assert hours_on(CAL, date(2026, 11, 23)) is None  # listed closed (Monday holiday)
    assert hours_on(CAL, date(2026, 11, 28)) is None  # Saturday


def test_dispenser_refuses_after_cutoff_with_next_opening() -> None:
    d = dispenser_decision(CAL, at(date(2026, 12, 1), 16, 40), cutoff_minutes=30)
    assert not d.accepts
    assert "本日の受付は終了しました" in text(d.reason, "ja")
    assert d.next_open is not None and d.next_open.day == date(2026, 12, 2)
    assert "12月2日（水）8時30分" in text(d.reason, "ja")
    assert dispenser_decision(CAL, at(date(2026, 12, 1), 16, 29), cutoff_minutes=30).accepts


def test_before_opening_says_when_it_opens() -> None:
    d = dispenser_decision(CAL, at(date(2026, 12, 1), 7, 0), cutoff_minutes=30)
    assert not d.accepts and "受付開始前" in text(d.reason, "ja") and d.next_open.day == date(2026, 12, 1)


@given(dates)
def test_long_thursday_is_exactly_first_and_third(d: date) -> None:
    nth = (d.day - 1) // 7 + 1
    assert is_long_thursday(d) == (d.weekday() == 3 and nth in (1, 3))


@given(dates, st.integers(0, 24 * 60 - 1), st.integers(0, 120))
def test_dispenser_accepts_iff_open_before_cutoff(d: date, minute: int, cutoff: int) -> None:
    t = at(d, 0) + timedelta(minutes=minute)
    decision = dispenser_decision(CAL, t, cutoff)
    h = hours_on(CAL, d)
    expected = h is not None and h.opens_at() <= t < h.closes_at() - timedelta(minutes=cutoff)
    assert decision.accepts == expected
    if not decision.accepts:
        assert decision.next_open is not None and decision.next_open.opens_at() > t


@given(dates, st.integers(0, 24 * 60 - 1))
def test_next_opening_is_the_first_open_moment_after(d: date, minute: int) -> None:
    t = at(d, 0) + timedelta(minutes=minute)
    nxt = next_opening(CAL, t)
    assert nxt is not None and nxt.opens_at() > t
    assert hours_on(CAL, nxt.day) is not None
    assert nxt.day not in CAL.closed_dates
    # no opening is skipped in between
    day = t.date()
    while day < nxt.day:
        h = hours_on(CAL, day)
        assert h is None or h.opens_at() <= t
        day += timedelta(days=1)


@given(dates)
def test_closed_dates_never_open(d: date) -> None:
    cal = BusinessCalendar(closed_dates=frozenset({d}))
    assert not any(is_open(cal, at(d, h)) for h in range(24))


def test_dispenser_reason_reads_in_both_languages() -> None:
    d = dispenser_decision(CAL, datetime(2026, 12, 1, 18, 0, tzinfo=TOKYO), 30)
    assert text(d.reason, "ja") == "本日の受付は終了しました。次の受付は 12月2日（水）8時30分 からです"
    assert text(d.reason, "en") == "Reception has closed for today. Next opening: Wed 02 Dec, 08:30"
