"""Reservation rules (station/domain/reservation.py): slots, window and cut-off, lateness, no-show, fairness."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from station.domain import reservation as r
from station.domain.calendar import TOKYO, BusinessCalendar

CAL = BusinessCalendar(closed_dates=frozenset({date(2026, 12, 29)}), holiday_openings=frozenset({date(2026, 12, 13)}))
RULES = r.Rules()
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=TOKYO)  # a Tuesday


def slots(day: date, **kw: object) -> list[r.Slot]:
    args = {"serving_counters": 2, "service_minutes": 12.0, "rules": RULES, "dispenser_cutoff_minutes": 30}
    args.update(kw)
    return r.day_slots(CAL, day, "A", **args)  # type: ignore[arg-type]


def test_slots_follow_the_calendar() -> None:
    normal, long_thu, holiday = slots(date(2026, 12, 1)), slots(date(2026, 12, 3)), slots(date(2026, 12, 13))
    assert (normal[0].key, normal[-1].key) == ("08:30", "16:00")  # 17:00 less the 30-minute dispenser cut-off
    assert long_thu[-1].key == "18:00"  # 1st Thursday: open until 19:00
    assert (holiday[0].key, holiday[-1].key) == ("09:00", "11:00")  # 休日開庁日 09:00–12:00
    assert slots(date(2026, 12, 29)) == [] and slots(date(2026, 12, 5)) == []  # closed, Saturday
    assert r.day_slots(CAL, date(2026, 12, 1), "D", serving_counters=2, service_minutes=10, rules=RULES) == []
    assert {s.capacity for s in normal} == {3}


def test_overrides_close_or_resize_a_slot() -> None:
    out = slots(date(2026, 12, 1), overrides={"09:00": r.SlotOverride(closed=True),
                                              "10:00": r.SlotOverride(capacity=7)})
    keys = {s.key: s.capacity for s in out}
    assert "09:00" not in keys and keys["10:00"] == 7 and keys["10:30"] == 3


@given(counters=st.integers(0, 10), service=st.floats(1, 60), slot=st.integers(5, 120), share=st.floats(0, 1))
def test_capacity_never_promises_more_than_the_counters_can_serve(counters: int, service: float, slot: int,
                                                                  share: float) -> None:
    cap = r.capacity_per_slot(counters, service, slot, share)
    assert 0 <= cap <= counters * slot / service * (1 - share) + 1e-6
    assert r.capacity_per_slot(counters, service, slot, 1.0) == 0  # everything kept for walk-ins


@given(offset=st.integers(-5, 60), hour=st.integers(0, 23))
@settings(max_examples=300)
def test_window_and_cut_off(offset: int, hour: int) -> None:
    now = datetime(2026, 12, 1, hour, 0, tzinfo=TOKYO)
    day = now.date() + timedelta(days=offset)
    refusal = r.booking_refusal(CAL, day, now, RULES)
    deadline = datetime.combine(day - timedelta(days=1), time(17, 0), TOKYO)
    from station.domain.calendar import hours_on

    if hours_on(CAL, day) is None:
        assert refusal is not None and refusal.code == "reservations.closed_day"
    elif offset > RULES.days_ahead_max:
        assert refusal is not None and refusal.code == "reservations.too_early"
    elif offset < 1 or now >= deadline:
        assert refusal is not None and refusal.code == "reservations.too_late"
    else:
        assert refusal is None
        assert day in r.bookable_days(CAL, now, RULES)


@given(minutes=st.integers(-120, 120))
def test_arrival_rules(minutes: int) -> None:
    start = datetime(2026, 12, 3, 10, 0, tzinfo=TOKYO)
    end = start + timedelta(minutes=30)
    got = r.arrival(start, end, start + timedelta(minutes=minutes), RULES)
    if minutes < -15:
        assert got in (r.Arrival.TOO_EARLY, r.Arrival.OTHER_DAY)
    elif minutes <= 5:
        assert got is r.Arrival.PRIORITY
    elif minutes < 30:
        assert got is r.Arrival.LATE
    else:
        assert got is r.Arrival.MISSED
    assert r.is_no_show(end, start + timedelta(minutes=minutes), checked_in=False) == (minutes >= 30)
    assert not r.is_no_show(end, start + timedelta(minutes=minutes), checked_in=True)


def test_arrival_on_another_day() -> None:
    start = datetime(2026, 12, 3, 10, 0, tzinfo=TOKYO)
    assert r.arrival(start, start + timedelta(minutes=30), start - timedelta(days=1), RULES) is r.Arrival.OTHER_DAY


# --- fairness: simulate a day of calls ----------------------------------------------------------------
arrivals = st.lists(st.tuples(st.integers(0, 240), st.booleans()), min_size=1, max_size=40)


@given(arrivals=arrivals, service=st.integers(1, 20))
@settings(max_examples=200, deadline=None)
def test_fairness_no_walk_in_waits_past_w_during_r_in_a_row_and_every_reservation_is_called(
        arrivals: list[tuple[int, bool]], service: int) -> None:
    t0 = datetime(2026, 12, 3, 9, 0, tzinfo=TOKYO)
    visitors = [r.Waiting(i + 1, t0 + timedelta(minutes=m), prio) for i, (m, prio) in enumerate(sorted(arrivals))]
    now, waiting, called, in_a_row = t0, [], [], 0
    pending = list(visitors)
    while pending or waiting:
        waiting += [v for v in pending if v.since <= now]
        pending = [v for v in pending if v.since > now]
        if not waiting:
            now = pending[0].since
            continue
        pick = r.pick(waiting, in_a_row, now, RULES)
        assert pick is not None
        walk_overdue = [w for w in waiting if not w.priority
                        and now - w.since > timedelta(minutes=RULES.walkin_max_wait_minutes)]
        if pick.priority:
            # never the (R+1)-th reservation in a row while a walk-in has waited longer than W
            assert not (in_a_row >= RULES.max_in_a_row and walk_overdue)
            in_a_row += 1
        else:
            in_a_row = 0
            if any(w.priority for w in waiting):  # a walk-in before a reservation only when overdue
                assert pick in walk_overdue and pick == min(walk_overdue, key=lambda w: (w.since, w.ticket_id))
        waiting.remove(pick)
        called.append(pick)
        now += timedelta(minutes=service)
    assert sorted(v.ticket_id for v in called) == [v.ticket_id for v in visitors]  # everyone, once


def test_codes_and_birth_digest() -> None:
    code = r.new_code()
    assert len(code) == 8 and r.normalize_code(f"rsv-{code.lower()}") == code
    assert r.normalize_code(f"ＲＳＶ－{code}") == code  # typed on a Japanese IME
    assert r.normalize_code("RSV-0000OOOO") is None and r.normalize_code("AB1-234567") is None
    salt = b"0123456789abcdef"
    d = r.birth_digest(salt, date(1980, 5, 5))
    assert r.birth_matches(salt, d, date(1980, 5, 5)) and not r.birth_matches(salt, d, date(1980, 5, 6))
    assert r.same_birth_date(date(1980, 5, 5), date(1980, 5, 5))
    assert not r.same_birth_date(None, date(1980, 5, 5)) and not r.same_birth_date(date(1980, 5, 6), date(1980, 5, 5))
