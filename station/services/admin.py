"""Configuration a supervisor changes live: calendar days, what each counter serves, category cut-offs.

The config file describes how the office is built; the admin screen adjusts it during the year without a
restart. Changes are stored as overrides in the database (so every daemon of an office shares them and
they survive restarts), each with its audit entry, and applied in place to the running settings and
business calendar that the queue, the kiosk and the slips already read. A `ConfigChanged` event makes
the other daemons reload and the screens refresh.

What stays in the file (needs a restart): category codes, names and prefixes, the counters themselves,
opening hours, devices — changing those under a running queue would renumber or orphan tickets.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from station.clock import Clock
from station.config import StationSettings
from station.domain.calendar import BusinessCalendar, business_date
from station.events import ConfigChanged, Envelope, EventBus
from station.services.audit import Actor, record
from station.services.errors import Invalid, NotFound
from station.store.models_admin import CalendarOverride, CategoryOverride, CounterOverride

log = logging.getLogger(__name__)

DAY_KINDS = ("closed", "holiday_opening", "normal")
DAY_KIND_JA = {"closed": "閉庁日", "holiday_opening": "休日開庁日", "normal": "通常開庁"}
MAX_DAYS_AHEAD = 2 * 366  # the city plans a year or two ahead; further is a typing mistake


@dataclass(frozen=True)
class CalendarDay:
    day: date
    kind: str
    source: str  # "file" or "admin"
    note: str = ""


@dataclass(frozen=True)
class FileDefaults:
    """What the config file said, so an override can be undone and compared against."""

    calendar: BusinessCalendar
    counters: dict[int, list[str]]
    categories: dict[str, tuple[int | None, float]]

    @classmethod
    def capture(cls, settings: StationSettings, calendar: BusinessCalendar) -> FileDefaults:
        return cls(
            calendar=calendar,
            counters={c.id: list(c.categories) for c in settings.counters},
            categories={c.code: (c.cutoff_minutes, c.default_service_minutes) for c in settings.categories},
        )


class AdminService:
    def __init__(
        self,
        settings: StationSettings,
        calendar: BusinessCalendar,
        sessions: sessionmaker[Session],
        clock: Clock,
        bus: EventBus,
        on_calendar: Callable[[BusinessCalendar], None],
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.clock = clock
        self.bus = bus
        self.file = FileDefaults.capture(settings, calendar)
        self._on_calendar = on_calendar
        self._lock = threading.Lock()
        bus.add_listener(self._on_event)

    # applying ---------------------------------------------------------------------------------------
    def reload(self) -> None:
        """Read every override and apply it over the file's values (all of them, so a removed override
        goes back to the file)."""
        with self.sessions() as s:
            days = s.scalars(select(CalendarOverride)).all()
            counters = {o.counter_id: o.categories for o in s.scalars(select(CounterOverride))}
            cats = {o.code: (o.cutoff_minutes, o.default_service_minutes) for o in s.scalars(select(CategoryOverride))}
        with self._lock:
            self._apply_calendar({d.day: d.kind for d in days})
            known = {c.code for c in self.settings.categories}
            for counter in self.settings.counters:
                chosen = self.file.counters[counter.id]
                if counter.id in counters:
                    codes = [c for c in counters[counter.id].split(",") if c in known]
                    if codes:
                        chosen = codes
                    else:
                        log.warning("counter %s override names no known category; the file's list applies", counter.id)
                counter.categories = list(chosen)
            for cat in self.settings.categories:
                cutoff, service = cats.get(cat.code, self.file.categories[cat.code])
                cat.cutoff_minutes = cutoff
                cat.default_service_minutes = service

    def _apply_calendar(self, overrides: dict[date, str]) -> None:
        base = self.file.calendar
        closed = set(base.closed_dates)
        holiday = set(base.holiday_openings)
        for day, kind in overrides.items():
            closed.discard(day)
            holiday.discard(day)
            if kind == "closed":
                closed.add(day)
            elif kind == "holiday_opening":
                holiday.add(day)
        self._on_calendar(dataclasses.replace(base, closed_dates=frozenset(closed),
                                              holiday_openings=frozenset(holiday)))

    def _on_event(self, env: Envelope) -> None:
        if isinstance(env.event, ConfigChanged):
            try:
                self.reload()
            except Exception:  # the database is away: keep the last configuration, the next change retries
                log.exception("could not reload the admin configuration")

    def _changed(self, what: str) -> None:
        self.reload()  # this daemon answers with the new values before the event comes back
        self.bus.publish(ConfigChanged(at=self.clock.now(), what=what))

    # calendar ---------------------------------------------------------------------------------------
    def calendar_days(self, since: date | None = None) -> list[CalendarDay]:
        """Every listed date (file and admin) from `since` on, the admin's entry winning, in date order."""
        out: dict[date, CalendarDay] = {}
        for d in self.file.calendar.closed_dates:
            out[d] = CalendarDay(d, "closed", "file")
        for d in self.file.calendar.holiday_openings:
            out[d] = CalendarDay(d, "holiday_opening", "file")
        with self.sessions() as s:
            for o in s.scalars(select(CalendarOverride)):
                out[o.day] = CalendarDay(o.day, o.kind, "admin", o.note)
        return sorted((d for d in out.values() if since is None or d.day >= since), key=lambda c: c.day)

    def set_day(self, day: date, kind: str, note: str, actor: Actor) -> CalendarDay:
        """Mark a date closed, a holiday opening, or a normal day (undoing the file's entry)."""
        today = business_date(self.clock.now())
        if kind not in DAY_KINDS:
            raise Invalid(f"日の種類「{kind}」はありません（closed / holiday_opening / normal）",
                          f"unknown day kind {kind!r} (closed, holiday_opening, normal)", field="kind")
        if day < today:
            raise Invalid(f"過去の日付（{day.isoformat()}）は変更できません",
                          f"{day.isoformat()} is in the past and cannot be changed", field="day")
        if day > today + timedelta(days=MAX_DAYS_AHEAD):
            raise Invalid(f"{day.isoformat()} は先すぎます（2年以内の日付を指定してください）",
                          f"{day.isoformat()} is too far ahead (within two years)", field="day")
        weekend = day.weekday() >= 5
        if kind == "normal" and weekend:
            raise Invalid("土曜・日曜は通常開庁にできません（休日開庁日を選んでください）",
                          "a Saturday or Sunday cannot be a normal day; choose holiday opening", field="kind")
        if kind == "holiday_opening" and not weekend and day not in self.file.calendar.closed_dates:
            raise Invalid("休日開庁日にできるのは土日・祝日（閉庁日）だけです",
                          "only a weekend day or a listed closed day can be a holiday opening", field="kind")
        note = note.strip()
        if len(note) > 200:
            raise Invalid("メモは200文字までです", "the note is at most 200 characters", field="note")
        now = self.clock.now()
        with self.sessions.begin() as s:
            row = s.get(CalendarOverride, day)
            if row is None:
                s.add(CalendarOverride(day=day, kind=kind, note=note, updated_by=actor.name, updated_at=now))
            else:
                row.kind, row.note, row.updated_by, row.updated_at = kind, note, actor.name, now
            record(s, now, actor, "admin.calendar_set", target=day.isoformat(), detail=kind)
        self._changed("calendar")
        return CalendarDay(day, kind, "admin", note)

    def clear_day(self, day: date, actor: Actor) -> None:
        """Remove the admin's entry for a date: the calendar file's value applies again."""
        now = self.clock.now()
        with self.sessions.begin() as s:
            gone = s.execute(delete(CalendarOverride).where(CalendarOverride.day == day)).rowcount
            if not gone:
                raise NotFound(f"{day.isoformat()} に管理画面での変更はありません",
                               f"no admin change on {day.isoformat()}")
            record(s, now, actor, "admin.calendar_clear", target=day.isoformat())
        self._changed("calendar")

    # counters ---------------------------------------------------------------------------------------
    def set_counter_categories(self, counter_id: int, categories: list[str], actor: Actor) -> list[str]:
        """Which categories a counter calls from; a called visitor keeps their counter either way."""
        if counter_id not in self.file.counters:
            raise NotFound(f"{counter_id}番窓口はありません", f"no counter {counter_id}")
        known = [c.code for c in self.settings.categories]
        codes = list(dict.fromkeys(c.strip() for c in categories if c.strip()))
        if not codes:
            raise Invalid("窓口には受付区分を1つ以上選んでください", "a counter must serve at least one category",
                          field="categories")
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise Invalid(f"未定義の受付区分です: {', '.join(unknown)}（{', '.join(known)}）",
                          f"unknown categories: {', '.join(unknown)} (known: {', '.join(known)})", field="categories")
        codes.sort(key=known.index)
        now = self.clock.now()
        with self.sessions.begin() as s:
            s.execute(delete(CounterOverride).where(CounterOverride.counter_id == counter_id))
            if codes != self.file.counters[counter_id]:
                s.add(CounterOverride(counter_id=counter_id, categories=",".join(codes), updated_by=actor.name,
                                      updated_at=now))
            record(s, now, actor, "admin.counter_categories", target=f"counter:{counter_id}", detail=",".join(codes))
        self._changed("counters")
        return codes

    # categories -------------------------------------------------------------------------------------
    def set_category(self, code: str, cutoff_minutes: int | None, default_service_minutes: float,
                     actor: Actor) -> None:
        """A category's dispenser cut-off (minutes before closing; None = office default) and the service
        time assumed for waiting estimates until today's own cases give a measured one."""
        if code not in self.file.categories:
            raise NotFound(f"受付区分「{code}」はありません", f"no category {code!r}")
        if cutoff_minutes is not None and not 0 <= cutoff_minutes <= 240:
            raise Invalid("締切は閉庁の0〜240分前で指定してください", "cut-off must be 0–240 minutes before closing",
                          field="cutoff_minutes")
        if not 0 < default_service_minutes <= 120:
            raise Invalid("標準の対応時間は0より大きく120分以下で指定してください",
                          "service time must be more than 0 and at most 120 minutes", field="default_service_minutes")
        now = self.clock.now()
        with self.sessions.begin() as s:
            s.execute(delete(CategoryOverride).where(CategoryOverride.code == code))
            if (cutoff_minutes, default_service_minutes) != self.file.categories[code]:
                s.add(CategoryOverride(code=code, cutoff_minutes=cutoff_minutes,
                                       default_service_minutes=default_service_minutes, updated_by=actor.name,
                                       updated_at=now))
            record(s, now, actor, "admin.category", target=f"category:{code}",
                   detail=f"cutoff={cutoff_minutes} service={default_service_minutes}")
        self._changed("categories")
