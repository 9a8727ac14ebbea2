"""Busy-time mode (issue 14): one switch applies the preset to every counter at once and restores what
each served before; audited; the report's minutes; refused twice in a row."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from station.app import Station
from station.clock import ManualClock
from station.domain import busy as rules
from station.domain.timezone import TOKYO
from station.services.audit import Actor
from station.services.errors import Conflict
from station.store.models import AuditEntry

SUP = Actor("supervisor-a")


def served(st: Station) -> dict[int, list[str]]:
    return {c.id: list(c.categories) for c in st.settings.counters}


def test_switch_on_and_off_restores_each_counter(station: Station, clock: ManualClock) -> None:
    before = served(station)
    station.admin.set_counter_categories(before and next(iter(before)), ["A"], SUP)  # an admin's own change
    mine = served(station)
    v = station.busy.switch(True, SUP)
    assert v.on and v.tablet_applications and v.express_issuance and v.since is not None
    every = [c.code for c in station.settings.categories]
    assert all(cats == every for cats in served(station).values())  # empty preset: all serve all
    with pytest.raises(Conflict):
        station.busy.switch(True, SUP)
    clock.advance(minutes=45)
    off = station.busy.switch(False, SUP)
    assert not off.on and served(station) == mine  # the admin's change survives the busy period
    assert station.busy.counts(clock.now().astimezone(TOKYO).date()).minutes_on == 45
    with station.sessions() as s:
        actions = [a.action for a in s.scalars(select(AuditEntry))]
    assert actions.count("busy.on") == 1 and actions.count("busy.off") == 1


def test_preset_plan_and_minutes() -> None:
    assert rules.preset_plan({1: ["C", "A"], 9: ["A"]}, [1, 2], ["A", "B", "C"]) == {1: ["A", "C"]}
    assert rules.preset_plan({}, [1, 2], ["A", "B"]) == {1: ["A", "B"], 2: ["A", "B"]}
    t = lambda h, m=0: datetime(2026, 12, 1, h, m, tzinfo=TOKYO)  # noqa: E731
    assert rules.minutes_on([(t(8), t(10)), (t(14), None)], t(9), t(23), t(15, 30)) == 60 + 90
