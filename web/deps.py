"""How a request reaches the composed station (built once in station/app.py, kept on app.state)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Path, Query, Request

from station.services.audit import Actor

if TYPE_CHECKING:
    from station.app import Station


def get_station(request: Request) -> Station:
    return request.app.state.station


def get_actor(request: Request) -> Actor:
    """Who is acting. Until logins exist (the office issue), the client address names the actor."""
    client = request.client.host if request.client else ""
    user = getattr(request.state, "user", None)
    return Actor(name=getattr(user, "name", None) or "panel", client=client)


StationDep = Annotated["Station", Depends(get_station)]
ActorDep = Annotated[Actor, Depends(get_actor)]
# Row ids are 32-bit integers in SQLite and PostgreSQL: a larger id in a path is a 422, not a driver overflow.
DbId = Annotated[int, Path(ge=1, le=2**31 - 1)]
# Business days the station can have: a date outside (0001-01-01 …) is a 422, not a day to close or purge.
DAY_MIN, DAY_MAX = date(2000, 1, 1), date(2999, 12, 31)
DayQuery = Annotated[date | None, Query(alias="date", ge=DAY_MIN, le=DAY_MAX,
                                        description="business day (default: today)")]
# Counters are numbered 1–999 (station/config.py CounterSettings.id).
CounterNo = Annotated[int, Path(ge=1, le=999)]
