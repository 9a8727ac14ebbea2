"""Busy-time mode (混雑時体制, issue 14). Thin: the switch and its rules live in station.services.busy."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Query
from pydantic import BaseModel

from station.services.busy import BusyCounts, BusyView
from web.deps import ActorDep, StationDep

router = APIRouter(tags=["busy"])


class SwitchIn(BaseModel):
    on: bool


@router.get("/api/busy", response_model=BusyView)
def state(station: StationDep) -> BusyView:
    """On or off, and the preset (panels, the kiosk and staff screens show the banner)."""
    return station.busy.state()


@router.put("/api/busy", response_model=BusyView)
def switch(body: SwitchIn, station: StationDep, actor: ActorDep) -> BusyView:
    """One switch: the preset applied to every counter at once, or what they served before."""
    return station.busy.switch(body.on, actor)


@router.get("/api/busy/counts", response_model=BusyCounts)
def counts(station: StationDep, day: date | None = Query(None, alias="date")) -> BusyCounts:
    """How long the mode was on during a business day (for the report)."""
    return station.busy.counts(day or station.followup.today())
