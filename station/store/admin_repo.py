"""The admin's live overrides of the config file: calendar days, counter categories, category settings.

All SQL of the admin noun; every function runs in the caller's session, so the use case decides what
commits with what (the override, its audit entry and the ConfigChanged event, in one unit of work).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from station.store.models_admin import CalendarOverride, CategoryOverride, CounterOverride


@dataclass(frozen=True)
class Overrides:
    """Everything the admin changed, as plain values (read once, applied over the file's values)."""

    days: dict[date, tuple[str, str]]  # day → (kind, note)
    counters: dict[int, str]  # counter id → comma-separated category codes
    categories: dict[str, tuple[int | None, float]]  # code → (cutoff minutes, default service minutes)


def load(s: Session) -> Overrides:
    return Overrides(
        days={o.day: (o.kind, o.note) for o in s.scalars(select(CalendarOverride))},
        counters={o.counter_id: o.categories for o in s.scalars(select(CounterOverride))},
        categories={o.code: (o.cutoff_minutes, o.default_service_minutes) for o in s.scalars(select(CategoryOverride))},
    )


def calendar_days(s: Session) -> dict[date, tuple[str, str]]:
    return {o.day: (o.kind, o.note) for o in s.scalars(select(CalendarOverride))}


def set_day(s: Session, day: date, kind: str, note: str, by: str, now: datetime) -> None:
    row = s.get(CalendarOverride, day)
    if row is None:
        s.add(CalendarOverride(day=day, kind=kind, note=note, updated_by=by, updated_at=now))
    else:
        row.kind, row.note, row.updated_by, row.updated_at = kind, note, by, now


def clear_day(s: Session, day: date) -> bool:
    """Remove the admin's entry for a date; False when there was none."""
    return bool(s.execute(delete(CalendarOverride).where(CalendarOverride.day == day)).rowcount)


def set_counter_categories(s: Session, counter_id: int, codes: list[str] | None, by: str, now: datetime) -> None:
    """Replace the counter's override; None removes it (the file's list applies)."""
    s.execute(delete(CounterOverride).where(CounterOverride.counter_id == counter_id))
    if codes is not None:
        s.add(CounterOverride(counter_id=counter_id, categories=",".join(codes), updated_by=by, updated_at=now))


def set_category(s: Session, code: str, values: tuple[int | None, float] | None, by: str, now: datetime) -> None:
    """Replace the category's override with (cutoff, service minutes); None removes it."""
    s.execute(delete(CategoryOverride).where(CategoryOverride.code == code))
    if values is not None:
        s.add(CategoryOverride(code=code, cutoff_minutes=values[0], default_service_minutes=values[1],
                               updated_by=by, updated_at=now))
