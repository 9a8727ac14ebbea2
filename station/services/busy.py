"""Busy-time mode (混雑時体制, D-OTH-5, D-APP-2): one switch for the supervisor or city staff.

On: the named preset (settings `[busy]`) decides which categories each counter serves — all counters in one
transaction, with what they served before saved — and tablet-assisted applications and express issuance
(特急発行) are announced; every panel, the kiosk's estimate and the staff screens show the banner. Off: the
saved categories come back. Both are audited; the report counts how long the mode was on.

Rules in station.domain.busy; SQL in station.store.busy_repo (and admin_repo for the counters' categories,
the same rows the admin screen writes); one unit-of-work change per switch.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session, sessionmaker

from station.clock import Clock
from station.config import StationSettings
from station.domain import busy as rules
from station.domain.timezone import TOKYO
from station.events import ConfigChanged
from station.services.audit import Actor
from station.services.errors import Conflict
from station.store import admin_repo, busy_repo
from station.store.models_busy import BusyPeriod
from station.store.uow import UnitOfWork


class BusyView(BaseModel):
    """Whether busy-time mode is on, and what it means for the counters and the kiosk (nothing personal)."""

    model_config = ConfigDict(frozen=True)
    on: bool
    name_ja: str
    name_en: str
    since: datetime | None
    by: str | None
    tablet_applications: bool
    express_issuance: bool
    counters: dict[int, list[str]] = Field(description="counter → categories while on (the preset)")


class BusyCounts(BaseModel):
    model_config = ConfigDict(frozen=True)
    date: date
    periods: int
    minutes_on: int


class BusyService:
    def __init__(self, settings: StationSettings, sessions: sessionmaker[Session], clock: Clock, uow: UnitOfWork,
                 admin: Any) -> None:
        self.settings = settings
        self.sessions = sessions
        self.clock = clock
        self.uow = uow
        self.admin = admin

    def _plan(self) -> dict[int, list[str]]:
        return rules.preset_plan(self.settings.busy.counters, [c.id for c in self.settings.counters],
                                 [c.code for c in self.settings.categories])

    def _view(self, p: BusyPeriod | None) -> BusyView:
        b = self.settings.busy
        return BusyView(on=p is not None, name_ja=b.name_ja, name_en=b.name_en, since=p.started_at if p else None,
                        by=p.started_by if p else None, tablet_applications=b.tablet_applications and p is not None,
                        express_issuance=b.express_issuance and p is not None, counters=self._plan())

    def state(self) -> BusyView:
        with self.sessions() as s:
            return self._view(busy_repo.current(s))

    def switch(self, on: bool, actor: Actor) -> BusyView:
        """Busy-time mode on (the preset applied to every counter at once) or off (what they served before)."""
        now = self.clock.now()
        with self.uow.change() as ch:
            s = ch.session
            cur = busy_repo.current(s, lock=True)
            if on == (cur is not None):
                raise Conflict("busy.already_on" if on else "busy.already_off")
            if on:
                plan = self._plan()
                overrides = admin_repo.load(s).counters
                saved = {str(c): overrides.get(c) for c in plan}
                for counter, codes in plan.items():
                    admin_repo.set_counter_categories(s, counter, codes, actor.name, now)
                p = busy_repo.add(s, BusyPeriod(started_at=now, started_by=actor.name,
                                                preset=json.dumps({str(k): v for k, v in plan.items()}),
                                                saved=json.dumps(saved)))
                ch.audit(now, actor, "busy.on", f"busy:{p.id}",
                         " ".join(f"{k}={','.join(v)}" for k, v in plan.items()))
                view_p: BusyPeriod | None = p
            else:
                assert cur is not None
                for counter, before in json.loads(cur.saved).items():
                    admin_repo.set_counter_categories(s, int(counter), before.split(",") if before else None,
                                                      actor.name, now)
                cur.ended_at, cur.ended_by = now, actor.name
                minutes = int((now - cur.started_at).total_seconds() // 60)
                ch.audit(now, actor, "busy.off", f"busy:{cur.id}", f"minutes={minutes}")
                view_p = None
            ch.publish(ConfigChanged(at=now, what="busy"))
            ch.then(self.admin.reload)
            return self._view(view_p)

    def counts(self, day: date) -> BusyCounts:
        """How long busy-time mode was on during the business day `day`."""
        start = datetime.combine(day, time(0), TOKYO)
        end = start + timedelta(days=1)
        with self.sessions() as s:
            periods = busy_repo.overlapping(s, start, end)
        spans = [(p.started_at, p.ended_at) for p in periods]
        return BusyCounts(date=day, periods=len(spans),
                          minutes_on=rules.minutes_on(spans, start, end, self.clock.now()))
