"""A hypothesis state machine over the real queue service and store: whatever clerks and visitors do,
no ticket is ever called twice at once, none is lost, and calling is oldest-first."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from station.app import Station
from station.clock import ManualClock
from station.domain.calendar import BusinessCalendar
from station.domain.queue import Action
from station.services.errors import Conflict
from tests.conftest import OPEN_TIME, make_settings

ACTIONS = [Action.RECALL, Action.START, Action.FINISH, Action.NO_SHOW, Action.CANCEL, Action.REQUEUE]


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Station:
    tmp: Path = tmp_path_factory.mktemp("sm")
    clock = ManualClock(OPEN_TIME)
    st_ = Station(make_settings(tmp), clock=clock, calendar=BusinessCalendar(), with_devices=False)
    st_.start()
    yield st_
    st_.stop()


def test_queue_state_machine(shared: Station) -> None:
    clock: ManualClock = shared.clock  # type: ignore[assignment]

    class QueueMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            # a fresh business day per example: numbering and queue start empty
            day = clock.now() + timedelta(days=1)
            while day.weekday() >= 5:
                day += timedelta(days=1)
            clock.set(day.replace(hour=9, minute=0))
            self.issued: dict[int, str] = {}  # id → category
            self.active: dict[int, int] = {}  # counter → ticket id (called or serving)
            self.closed: set[int] = set()

        @rule(category=st.sampled_from(["A", "B", "C", "D"]))
        def issue(self, category: str) -> None:
            clock.advance(seconds=7)
            t = shared.queue.issue(category)
            assert t.id not in self.issued
            self.issued[t.id] = category

        @rule(counter=st.sampled_from([1, 2, 3]))
        def call_next(self, counter: int) -> None:
            clock.advance(seconds=3)
            waiting_before = {t.id: t for t in shared.queue.list(state="waiting")}
            try:
                t = shared.queue.call_next(counter)
            except Conflict:
                assert counter in self.active
                return
            assert counter not in self.active
            serves = set(shared.settings.counter(counter).categories)
            eligible = [w for w in waiting_before.values() if w.category in serves]
            if t is None:
                assert not eligible
                return
            assert t.id in waiting_before and t.id not in self.active.values()
            oldest = min(eligible, key=lambda w: (w.issued_at, w.id))
            assert t.id == oldest.id
            self.active[counter] = t.id

        @rule(counter=st.sampled_from([1, 2, 3]), action=st.sampled_from(ACTIONS))
        def act(self, counter: int, action: Action) -> None:
            tid = self.active.get(counter)
            if tid is None:
                return
            clock.advance(seconds=11)
            try:
                t = shared.queue.act(tid, action)
            except Conflict:
                return
            if t.state in ("done", "no_show", "cancelled"):
                self.closed.add(tid)
                del self.active[counter]
            elif t.state == "waiting":
                del self.active[counter]

        @invariant()
        def nothing_lost_nothing_doubled(self) -> None:
            all_today = {t.id: t for t in shared.queue.list()}
            assert set(all_today) == set(self.issued)
            active_db = [t.id for t in all_today.values() if t.state in ("called", "serving")]
            assert sorted(active_db) == sorted(self.active.values())
            assert len(set(self.active.values())) == len(self.active)
            numbers = [t.number for t in all_today.values()]
            assert len(numbers) == len(set(numbers))
            assert self.closed == {t.id for t in all_today.values() if t.state in ("done", "no_show", "cancelled")}

    QueueMachine.TestCase.settings = settings(
        max_examples=40, stateful_step_count=30, deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    QueueMachine.TestCase().runTest()
