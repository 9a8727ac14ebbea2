"""Configuration a supervisor changes live: calendar days, what each counter serves, category cut-offs.

The config file describes how the office is built; the admin screen adjusts it during the year without a
restart. Changes are stored as overrides in the database (so every daemon of an office shares them and
they survive restarts), each with its audit entry, and applied in place to the running settings and
business calendar that the queue, the kiosk and the slips already read. A `ConfigChanged` event makes
the other daemons reload and the screens refresh.

What stays in the file (needs a restart): category codes, names and prefixes, the counters themselves,
opening hours, devices — changing those under a running queue would renumber or orphan tickets.

Each change commits through the unit of work with its audit entry and its ConfigChanged event; the SQL
is in `station.store.admin_repo`, the views in `station.services.admin_views`, the words in
`station/messages/*/admin.json`.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session, sessionmaker

from station.clock import Clock
from station.config import StationSettings
from station.domain.calendar import BusinessCalendar, business_date, hours_on, is_closed_day
from station.events import ConfigChanged, Envelope, EventBus
from station.messages import text
from station.services.admin_views import AdminConfigView, CalendarDayView, CategoryConfigView, CounterConfigView
from station.services.audit import Actor
from station.services.errors import Invalid, NotFound
from station.store import admin_repo as repo
from station.store.uow import Change, UnitOfWork

log = logging.getLogger(__name__)

DAY_KINDS = ("closed", "holiday_opening", "normal")
MAX_DAYS_AHEAD = 2 * 366  # the city plans a year or two ahead; further is a typing mistake


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
        self.uow = UnitOfWork(sessions, bus)
        self.calendar = calendar  # the one in force (file + overrides), for the hours shown beside a date
        self.file = FileDefaults.capture(settings, calendar)
        self._on_calendar = on_calendar
        self._lock = threading.Lock()
        bus.add_listener(self._on_event)

    # applying ---------------------------------------------------------------------------------------
    def reload(self) -> None:
        """Read every override and apply it over the file's values (all of them, so a removed override
        goes back to the file)."""
        with self.sessions() as s:
            found = repo.load(s)
        counters, cats = found.counters, found.categories
        with self._lock:
            self._apply_calendar({day: kind for day, (kind, _note) in found.days.items()})
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
        opened = set(base.open_dates)
        for day, kind in overrides.items():
            closed.discard(day)
            holiday.discard(day)
            opened.discard(day)
            if kind == "closed":
                closed.add(day)
            elif kind == "holiday_opening":
                holiday.add(day)
            elif is_closed_day(base, day):  # "normal" on a national holiday or in the year-end closure
                opened.add(day)
        self.calendar = dataclasses.replace(base, closed_dates=frozenset(closed), holiday_openings=frozenset(holiday),
                                            open_dates=frozenset(opened))
        self._on_calendar(self.calendar)

    def _on_event(self, env: Envelope) -> None:
        if isinstance(env.event, ConfigChanged):
            try:
                self.reload()
            except Exception:  # the database is away: keep the last configuration, the next change retries
                log.exception("could not reload the admin configuration")

    def _changed(self, ch: Change, what: str) -> None:
        """Announce the change with it, and apply it here right after the commit: this daemon answers
        with the new values before the event comes back from the others."""
        ch.publish(ConfigChanged(at=self.clock.now(), what=what))
        ch.then(self.reload)

    # views ----------------------------------------------------------------------------------------
    def _day_view(self, day: date, kind: str, source: str, note: str = "") -> CalendarDayView:
        h = hours_on(self.calendar, day)
        hours = text("admin.hours_closed", "ja") if h is None else \
            f"{h.opens.strftime('%H:%M')}–{h.closes.strftime('%H:%M')}"
        return CalendarDayView(date=day, kind=kind, kind_ja=text(f"admin.day_kind.{kind}", "ja"), source=source,
                               note=note, hours=hours)

    def config(self) -> AdminConfigView:
        """What the admin screen can change, with what the config file says beside it (dates from today on)."""
        s = self.settings
        default_cutoff = s.calendar.default_cutoff_minutes
        return AdminConfigView(
            default_cutoff_minutes=default_cutoff,
            calendar=self.calendar_days(since=business_date(self.clock.now())),
            counters=[CounterConfigView(id=c.id, name_ja=c.name_ja, name_en=c.name_en, categories=c.categories,
                                        file_categories=self.file.counters[c.id]) for c in s.counters],
            categories=[CategoryConfigView(
                code=c.code, prefix=c.prefix, name_ja=c.name_ja, name_en=c.name_en, cutoff_minutes=c.cutoff_minutes,
                # the same rule as QueueService.cutoff_minutes: a category without its own uses the office's
                effective_cutoff_minutes=c.cutoff_minutes if c.cutoff_minutes is not None else default_cutoff,
                default_service_minutes=c.default_service_minutes,
                changed=(c.cutoff_minutes, c.default_service_minutes) != self.file.categories[c.code],
            ) for c in s.categories],
        )

    # calendar ---------------------------------------------------------------------------------------
    def calendar_days(self, since: date | None = None) -> list[CalendarDayView]:
        """Every listed date (file and admin) from `since` on, the admin's entry winning, in date order."""
        out: dict[date, tuple[str, str, str]] = {}
        for d in self.file.calendar.closed_dates:
            out[d] = ("closed", "file", "")
        for d in self.file.calendar.holiday_openings:
            out[d] = ("holiday_opening", "file", "")
        with self.sessions() as s:
            for d, (kind, note) in repo.calendar_days(s).items():
                out[d] = (kind, "admin", note)
        return [self._day_view(d, *v) for d, v in sorted(out.items()) if since is None or d >= since]

    def set_day(self, day: date, kind: str, note: str, actor: Actor) -> CalendarDayView:
        """Mark a date closed, a holiday opening, or a normal day (undoing the file's entry)."""
        today = business_date(self.clock.now())
        if kind not in DAY_KINDS:
            raise Invalid("admin.unknown_day_kind", params={"kind": kind}, field="kind")
        if day < today:
            raise Invalid("admin.day_in_past", params={"day": day.isoformat()}, field="day")
        if day > today + timedelta(days=MAX_DAYS_AHEAD):
            raise Invalid("admin.day_too_far", params={"day": day.isoformat()}, field="day")
        weekend = day.weekday() >= 5
        if kind == "normal" and weekend:
            raise Invalid("admin.weekend_not_normal", field="kind")
        if kind == "holiday_opening" and not weekend and not is_closed_day(self.file.calendar, day):
            raise Invalid("admin.holiday_opening_weekday", field="kind")
        note = note.strip()
        if len(note) > 200:
            raise Invalid("admin.note_too_long", field="note")
        now = self.clock.now()
        with self.uow.change() as ch:
            repo.set_day(ch.session, day, kind, note, actor.name, now)
            ch.audit(now, actor, "admin.calendar_set", target=day.isoformat(), detail=kind)
            self._changed(ch, "calendar")
        return self._day_view(day, kind, "admin", note)

    def clear_day(self, day: date, actor: Actor) -> None:
        """Remove the admin's entry for a date: the calendar file's value applies again."""
        now = self.clock.now()
        with self.uow.change() as ch:
            if not repo.clear_day(ch.session, day):
                raise NotFound("admin.no_change_on_day", params={"day": day.isoformat()})
            ch.audit(now, actor, "admin.calendar_clear", target=day.isoformat())
            self._changed(ch, "calendar")

    # counters ---------------------------------------------------------------------------------------
    def set_counter_categories(self, counter_id: int, categories: list[str], actor: Actor) -> list[str]:
        """Which categories a counter calls from; a called visitor keeps their counter either way."""
        if counter_id not in self.file.counters:
            raise NotFound("admin.unknown_counter", params={"counter_id": counter_id})
        known = [c.code for c in self.settings.categories]
        codes = list(dict.fromkeys(c.strip() for c in categories if c.strip()))
        if not codes:
            raise Invalid("admin.counter_needs_category", field="categories")
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise Invalid("admin.unknown_categories", params={"unknown": ", ".join(unknown), "known": ", ".join(known)},
                          field="categories")
        codes.sort(key=known.index)
        now = self.clock.now()
        with self.uow.change() as ch:
            repo.set_counter_categories(ch.session, counter_id, codes if codes != self.file.counters[counter_id]
                                        else None, actor.name, now)
            ch.audit(now, actor, "admin.counter_categories", target=f"counter:{counter_id}", detail=",".join(codes))
            self._changed(ch, "counters")
        return codes

    # categories -------------------------------------------------------------------------------------
    def set_category(self, code: str, cutoff_minutes: int | None, default_service_minutes: float,
                     actor: Actor) -> None:
        """A category's dispenser cut-off (minutes before closing; None = office default) and the service
        time assumed for waiting estimates until today's own cases give a measured one."""
        if code not in self.file.categories:
            raise NotFound("admin.unknown_category", params={"code": code})
        if cutoff_minutes is not None and not 0 <= cutoff_minutes <= 240:
            raise Invalid("admin.cutoff_range", field="cutoff_minutes")
        if not 0 < default_service_minutes <= 120:
            raise Invalid("admin.service_time_range", field="default_service_minutes")
        now = self.clock.now()
        values = (cutoff_minutes, default_service_minutes)
        with self.uow.change() as ch:
            repo.set_category(ch.session, code, values if values != self.file.categories[code] else None,
                              actor.name, now)
            ch.audit(now, actor, "admin.category", target=f"category:{code}",
                     detail=f"cutoff={cutoff_minutes} service={default_service_minutes}")
            self._changed(ch, "categories")
