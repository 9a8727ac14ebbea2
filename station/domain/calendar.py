"""The office's business calendar (D-CAL): when the counter is open and when the dispenser issues tickets.

Pure: every function takes the moment it is asked about. Times are Asia/Tokyo wall-clock times.
The city edits closed days and holiday openings as data (config/calendar.toml), not code; the file is
read by `station.config_files.load_calendar`, which hands this module a `BusinessCalendar`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from station.domain.messages import Msg
from station.domain.timezone import TOKYO  # defined once there; importing it from here still works

THURSDAY = 3
WEEKDAYS_JA = "月火水木金土日"


@dataclass(frozen=True)
class OpeningHours:
    day: date
    opens: time
    closes: time
    holiday_opening: bool = False

    def opens_at(self) -> datetime:
        return datetime.combine(self.day, self.opens, TOKYO)

    def closes_at(self) -> datetime:
        return datetime.combine(self.day, self.closes, TOKYO)


@dataclass(frozen=True)
class BusinessCalendar:
    closed_dates: frozenset[date] = field(default_factory=frozenset)
    holiday_openings: frozenset[date] = field(default_factory=frozenset)
    open_time: time = time(8, 30)
    close_time: time = time(17, 0)
    long_close_time: time = time(19, 0)
    holiday_open_time: time = time(9, 0)
    holiday_close_time: time = time(12, 0)
    # National holidays as a rule, not a hand-kept list that runs out: a predicate the config layer fills
    # (config_files.load_calendar passes jpholiday's). None: only the listed closed dates.
    national_holiday: Callable[[date], bool] | None = None
    # The city's year-end closure, 12/29–1/3 every year, as a rule.
    year_end_closure: bool = False
    # Weekdays open at normal hours although a rule closes them (the admin marked them "normal").
    open_dates: frozenset[date] = field(default_factory=frozenset)


def is_year_end(d: date) -> bool:
    """12/29–1/3: the city's year-end and new-year closure."""
    return (d.month == 12 and d.day >= 29) or (d.month == 1 and d.day <= 3)


def is_closed_day(cal: BusinessCalendar, d: date) -> bool:
    """Closed all day by the list or by a rule (national holiday, year-end), weekends aside."""
    if d in cal.closed_dates:
        return True
    if cal.year_end_closure and is_year_end(d):
        return True
    return cal.national_holiday is not None and cal.national_holiday(d)


def is_long_thursday(d: date) -> bool:
    """1st and 3rd Thursday of the month: open until 19:00 (D-CAL-1)."""
    return d.weekday() == THURSDAY and (d.day - 1) // 7 in (0, 2)


def hours_on(cal: BusinessCalendar, d: date) -> OpeningHours | None:
    """Opening hours on a date, or None when the office is closed all day."""
    if d in cal.holiday_openings:
        return OpeningHours(d, cal.holiday_open_time, cal.holiday_close_time, holiday_opening=True)
    if d.weekday() >= 5 or (d not in cal.open_dates and is_closed_day(cal, d)):
        return None
    closes = cal.long_close_time if is_long_thursday(d) else cal.close_time
    return OpeningHours(d, cal.open_time, closes)


def to_tokyo(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("naive datetime: the calendar needs an aware time")
    return at.astimezone(TOKYO)


def is_open(cal: BusinessCalendar, at: datetime) -> bool:
    local = to_tokyo(at)
    h = hours_on(cal, local.date())
    return h is not None and h.opens_at() <= local < h.closes_at()


def next_opening(cal: BusinessCalendar, at: datetime, horizon_days: int = 400) -> OpeningHours | None:
    """The next opening strictly after `at` (today's later opening included)."""
    local = to_tokyo(at)
    for i in range(horizon_days):
        d = local.date() + timedelta(days=i)
        h = hours_on(cal, d)
        if h is not None and h.opens_at() > local:
            return h
    return None


@dataclass(frozen=True)
class DispenserDecision:
    """Whether the dispenser issues now; `reason` is what the kiosk tells the visitor (a message code)."""

    accepts: bool
    reason: Msg
    next_open: OpeningHours | None = None
    closes_at: datetime | None = None  # when the dispenser stops today (cut-off), while it accepts


def opening_msg(h: OpeningHours) -> Msg:
    """An opening time as words ("12月2日（水）8時30分" / "Wed 02 Dec, 08:30"), rendered per language."""
    d = h.day
    return Msg.of("calendar.opening", month=Msg.of(f"calendar.month_{d.month}"), day=d.day,
                  weekday=Msg.of(f"calendar.weekday_{d.weekday()}"), hour=h.opens.hour, minute=h.opens.minute)


def dispenser_decision(cal: BusinessCalendar, at: datetime, cutoff_minutes: int) -> DispenserDecision:
    """Whether the dispenser may issue a ticket now, and if not, what to tell the visitor."""
    local = to_tokyo(at)
    h = hours_on(cal, local.date())
    if h is not None:
        stop = h.closes_at() - timedelta(minutes=cutoff_minutes)
        if h.opens_at() <= local < stop:
            return DispenserDecision(True, Msg.of("calendar.open"), closes_at=stop)
    nxt = next_opening(cal, local)
    if nxt is None:
        return DispenserDecision(False, Msg.of("calendar.closed_today"))
    before_open_today = h is not None and local < h.opens_at()
    code = "calendar.not_open_yet" if before_open_today else "calendar.closed_next"
    return DispenserDecision(False, Msg.of(code, when=opening_msg(nxt)), next_open=nxt)


def business_date(at: datetime) -> date:
    """The day a ticket belongs to (numbering resets with it)."""
    return to_tokyo(at).date()
