"""Staffing what-if (issue 17): a recorded day replayed against N counters, predicted waits per hour next to
what happened, and the fewest counters that keep the day's p90 wait under a target. The simulation is
station.domain.staffing (the daemon's own pick_next); this service reads the day and shapes the view."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker

from station.config import StationSettings
from station.domain import staffing as sim
from station.domain.timezone import TOKYO
from station.store import period_repo as repo


class HourWaits(BaseModel):
    hour: int
    n: int
    median_min: float | None
    p90_min: float | None
    max_min: float | None


class StaffingView(BaseModel):
    day: date
    counters_recorded: int
    counters_simulated: int
    seed: int
    recorded: list[HourWaits]
    predicted: list[HourWaits]
    recorded_day: HourWaits
    predicted_day: HourWaits
    target_p90_min: float | None = None
    fewest_counters: int | None = None


def _hw(hour: int, st: dict[str, float | int | None]) -> HourWaits:
    return HourWaits(hour=hour, **st)  # type: ignore[arg-type]


class StaffingService:
    def __init__(self, settings: StationSettings, sessions: sessionmaker[Session]) -> None:
        self.settings = settings
        self.sessions = sessions

    def _template(self) -> list[sim.Counter]:
        return [sim.Counter(c.id, tuple(c.categories)) for c in self.settings.counters]

    def visits(self, day: date) -> tuple[list[sim.Visit], dict[int, datetime]]:
        """The day as the simulation reads it, and the recorded call times."""
        with self.sessions() as s:
            rows = repo.visits_of_day(s, day)
        visits, called = [], {}
        for vid, cat, state, issued, call, fin in rows:
            busy = (fin - call).total_seconds() / 60 if call is not None and fin is not None else None
            left = fin if call is None and state == "cancelled" else None
            visits.append(sim.Visit(vid, cat, issued, busy, left))
            if call is not None:
                called[vid] = call
        return visits, called

    def chart(self, view: StaffingView) -> str:
        return chart(view)

    @staticmethod
    def rows(view: StaffingView) -> list[tuple[int, HourWaits | None, HourWaits | None]]:
        """(hour, recorded, predicted) for the table of the what-if screen."""
        rec = {h.hour: h for h in view.recorded}
        pre = {h.hour: h for h in view.predicted}
        return [(h, rec.get(h), pre.get(h)) for h in sorted(set(rec) | set(pre))]

    def what_if(self, day: date, counters: int | None = None, target_p90_min: float | None = None,
                seed: int = 0) -> StaffingView:
        visits, recorded = self.visits(day)
        template = self._template()
        shape = template if counters is None else sim.counters_like(template, counters)
        predicted = sim.simulate(visits, shape, seed)
        issued = {v.id: v.issued_at for v in visits}
        hour_of = {v.id: v.issued_at.astimezone(TOKYO).hour for v in visits}

        def day_stats(called: dict[int, datetime]) -> HourWaits:
            return _hw(-1, sim.stats([(c - issued[i]).total_seconds() / 60 for i, c in called.items()]))

        return StaffingView(  # the chart of the what-if page: self.chart(view)
            day=day, counters_recorded=len(template), counters_simulated=len(shape), seed=seed,
            recorded=[_hw(h, x) for h, x in sim.waits_by_hour(issued, recorded, hour_of).items()],
            predicted=[_hw(h, x) for h, x in sim.waits_by_hour(issued, predicted, hour_of).items()],
            recorded_day=day_stats(recorded), predicted_day=day_stats(predicted), target_p90_min=target_p90_min,
            fewest_counters=(sim.fewest_counters(visits, template, target_p90_min, seed)
                             if target_p90_min is not None else None),
        )


def chart(v: StaffingView) -> str:
    """Recorded and predicted p90 wait per hour, side by side (the what-if page)."""
    from station.messages import text
    from station.services.report_charts import grouped_bar_chart

    hours = sorted({h.hour for h in v.recorded} | {h.hour for h in v.predicted})
    rec = {h.hour: h.p90_min or 0 for h in v.recorded}
    pre = {h.hour: h.p90_min or 0 for h in v.predicted}
    return grouped_bar_chart(
        text("period.chart.staffing", "ja"), [text("period.hour_label", "ja", hour=h) for h in hours],
        [(text("period.staffing.recorded", "ja", n=v.counters_recorded), "#8a8f98", [rec.get(h, 0) for h in hours]),
         (text("period.staffing.predicted", "ja", n=v.counters_simulated), "#1f5fa8", [pre.get(h, 0) for h in hours])])
