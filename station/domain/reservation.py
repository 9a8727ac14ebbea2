"""Pick-up reservations (issue 15): slots, the booking window, check-in, lateness, no-shows, fairness.

Pure: the calendar's opening hours, the counters that serve a category, the settings and the moment
asked about all come in as arguments; decisions come out as values, refusals as `Msg` codes (the words
are in station/messages/*/reservations.json). Nothing here reads a clock, a database or a device.

Why slots are derived and not stored: the office already says when it is open (the calendar, holiday
openings, the long Thursdays) and who serves what (counters and their categories, service time). A slot
table typed by hand would drift from both. Only per-day overrides (a capacity, a closed slot) are data.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from station.domain.calendar import TOKYO, BusinessCalendar, hours_on, to_tokyo
from station.domain.messages import Msg

# Booking codes: no 0/O, 1/I/L, 2/Z, 5/S, 8/B — read aloud on the phone and typed on a phone keyboard.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY3479"
CODE_LENGTH = 8
CODE_PREFIX = "RSV-"


@dataclass(frozen=True)
class Rules:
    """The settings the rules need, copied from `[reservations]` in the station config."""

    categories: tuple[str, ...] = ("A", "B")
    no_notice_categories: tuple[str, ...] = ("B",)  # 電子証明書更新: bookable without a notice
    days_ahead_max: int = 31          # book at most this many days ahead
    days_ahead_min: int = 1           # and at least this many days before
    cutoff_time: time = time(17, 0)   # on the last bookable day, until this time
    slot_minutes: int = 30
    walkin_share: float = 0.3         # share of capacity kept for walk-ins
    checkin_early_minutes: int = 15   # check-in opens this long before the slot
    late_minutes: int = 5             # later than this after the slot's start: the priority is lost
    max_in_a_row: int = 2             # R: reservations called in a row while a walk-in waits too long
    walkin_max_wait_minutes: int = 30  # W


@dataclass(frozen=True)
class Slot:
    category: str
    starts_at: datetime  # aware, Asia/Tokyo
    ends_at: datetime
    capacity: int

    @property
    def key(self) -> str:
        """Stable text id of a slot within its day and category: "HH:MM"."""
        return self.starts_at.astimezone(TOKYO).strftime("%H:%M")


@dataclass(frozen=True)
class SlotOverride:
    """A supervisor's change of one slot: a capacity (None = derived) or closed."""

    capacity: int | None = None
    closed: bool = False


def capacity_per_slot(serving_counters: int, service_minutes: float, slot_minutes: int,
                      walkin_share: float) -> int:
    """Visitors the counters serving a category can take in one slot, less the walk-ins' share.

    floor(counters × slot / service × (1 − share)): never over-promise; a slot whose share rounds to 0
    takes no bookings."""
    if serving_counters <= 0 or service_minutes <= 0 or slot_minutes <= 0:
        return 0
    share = min(max(walkin_share, 0.0), 1.0)
    return int(serving_counters * slot_minutes / service_minutes * (1.0 - share) + 1e-9)


def day_slots(cal: BusinessCalendar, day: date, category: str, *, serving_counters: int,
              service_minutes: float, rules: Rules, dispenser_cutoff_minutes: int = 0,
              overrides: dict[str, SlotOverride] | None = None) -> list[Slot]:
    """The slots of one business day for one category (none on a closed day or a category without bookings).

    Slots run from opening to the dispenser's cut-off, so that a booked visitor never arrives to a
    dispenser that already stopped; a last partial slot is dropped. Closed slots are left out."""
    if category not in rules.categories:
        return []
    hours = hours_on(cal, day)
    if hours is None:
        return []
    base = capacity_per_slot(serving_counters, service_minutes, rules.slot_minutes, rules.walkin_share)
    overrides = overrides or {}
    step = timedelta(minutes=rules.slot_minutes)
    end = hours.closes_at() - timedelta(minutes=dispenser_cutoff_minutes)
    out: list[Slot] = []
    start = hours.opens_at()
    while start + step <= end:
        slot = Slot(category, start, start + step, base)
        ov = overrides.get(slot.key)
        if ov is not None:
            if ov.closed:
                start += step
                continue
            if ov.capacity is not None:
                slot = Slot(category, start, start + step, max(ov.capacity, 0))
        out.append(slot)
        start += step
    return out


def window(today: date, rules: Rules) -> tuple[date, date]:
    """The first and last day that may be booked today, before the cut-off is considered."""
    return today + timedelta(days=rules.days_ahead_min), today + timedelta(days=rules.days_ahead_max)


def booking_refusal(cal: BusinessCalendar, day: date, now: datetime, rules: Rules) -> Msg | None:
    """Why `day` cannot be booked (or changed, or cancelled) at `now`; None when it can.

    The cut-off: a day may be booked until `cutoff_time` on the day `days_ahead_min` before it."""
    local = to_tokyo(now)
    first, last = window(local.date(), rules)
    if hours_on(cal, day) is None:
        return Msg.of("reservations.closed_day", day=format_day_ja(day))
    if day > last:
        return Msg.of("reservations.too_early", days=rules.days_ahead_max)
    deadline = datetime.combine(day - timedelta(days=rules.days_ahead_min), rules.cutoff_time, TOKYO)
    if day < first or local >= deadline:
        return Msg.of("reservations.too_late", deadline=format_deadline_ja(deadline))
    return None


def change_deadline(day: date, rules: Rules) -> datetime:
    """Until when a booking for `day` may be changed or cancelled by the resident."""
    return datetime.combine(day - timedelta(days=rules.days_ahead_min), rules.cutoff_time, TOKYO)


def bookable_days(cal: BusinessCalendar, now: datetime, rules: Rules) -> list[date]:
    """Every open day in the window whose cut-off has not passed."""
    local = to_tokyo(now)
    first, last = window(local.date(), rules)
    out = []
    d = first
    while d <= last:
        if booking_refusal(cal, d, now, rules) is None:
            out.append(d)
        d += timedelta(days=1)
    return out


# --- check-in and lateness ------------------------------------------------------------------------

class Arrival(enum.StrEnum):
    TOO_EARLY = "too_early"   # before check-in opens: come back at …
    PRIORITY = "priority"     # on time: a priority ticket
    LATE = "late"             # more than L minutes late: a normal ticket, said kindly
    MISSED = "missed"         # after the slot's end: the booking is a no-show (a normal ticket still)
    OTHER_DAY = "other_day"   # the booking is for another day


def arrival(slot_start: datetime, slot_end: datetime, now: datetime, rules: Rules) -> Arrival:
    """What a check-in at `now` means for a booking of [slot_start, slot_end)."""
    local, start = to_tokyo(now), to_tokyo(slot_start)
    if local.date() != start.date():
        return Arrival.OTHER_DAY
    if local < start - timedelta(minutes=rules.checkin_early_minutes):
        return Arrival.TOO_EARLY
    if local <= start + timedelta(minutes=rules.late_minutes):
        return Arrival.PRIORITY
    if local < to_tokyo(slot_end):
        return Arrival.LATE
    return Arrival.MISSED


def is_no_show(slot_end: datetime, now: datetime, checked_in: bool) -> bool:
    """Not checked in by the slot's end: counted as a no-show, and the slot's place is released."""
    return not checked_in and now >= slot_end


# --- calling with priority and fairness --------------------------------------------------------------

@dataclass(frozen=True)
class Waiting:
    ticket_id: int
    since: datetime      # issued (walk-in) or checked in (reservation)
    priority: bool


def pick(waiting: Sequence[Waiting], reservations_in_a_row: int, now: datetime, rules: Rules) -> Waiting | None:
    """The next visitor: a checked-in reservation before walk-ins, but never more than R in a row
    while a walk-in has waited longer than W minutes (then the longest-waiting walk-in goes first).

    Among reservations, the earliest check-in first; among walk-ins, the earliest ticket first."""
    res = sorted((w for w in waiting if w.priority), key=lambda w: (w.since, w.ticket_id))
    walk = sorted((w for w in waiting if not w.priority), key=lambda w: (w.since, w.ticket_id))
    if not res:
        return walk[0] if walk else None
    if walk and reservations_in_a_row >= rules.max_in_a_row and \
            now - walk[0].since > timedelta(minutes=rules.walkin_max_wait_minutes):
        return walk[0]
    return res[0]


# --- codes and the birth-date check -------------------------------------------------------------------

def new_code() -> str:
    """A fresh booking code (the caller retries on the rare clash with the unique index)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> str | None:
    """The booking code in what a resident typed or a scanner read ("rsv-acde fg hj" → "ACDEFGHJ")."""
    import unicodedata

    norm = "".join(unicodedata.normalize("NFKC", text).split()).upper().replace("-", "").replace("ー", "")
    if norm.startswith("RSV"):
        norm = norm[3:]
    if len(norm) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in norm):
        return None
    return norm


def qr_text(code: str) -> str:
    return f"{CODE_PREFIX}{code}"


def birth_digest(salt: bytes, birth: date) -> str:
    """What a booking keeps of the birth date: a salted digest, enough to check it, not to read it."""
    return hmac.new(salt, birth.isoformat().encode(), hashlib.sha256).hexdigest()


def birth_matches(salt: bytes, digest: str, birth: date) -> bool:
    """Constant-time: the time taken says nothing about how much of the date was right."""
    return hmac.compare_digest(birth_digest(salt, birth).encode(), digest.encode())


def same_birth_date(a: date | None, b: date) -> bool:
    """Constant-time comparison of a card's birth date with the typed one (a missing date never matches)."""
    left = (a.isoformat() if a else "0000-00-00").encode()
    return hmac.compare_digest(left, b.isoformat().encode()) and a is not None


# --- words ------------------------------------------------------------------------------------------

WEEKDAYS_JA = "月火水木金土日"


def format_day_ja(d: date) -> str:
    return f"{d.month}月{d.day}日（{WEEKDAYS_JA[d.weekday()]}）"


def format_deadline_ja(at: datetime) -> str:
    local = to_tokyo(at)
    return f"{format_day_ja(local.date())} {local:%H:%M}"
