"""Is the daemon up, and how are its devices (for the panel's status lights and for monitoring)."""

from __future__ import annotations

from fastapi import APIRouter

from web.deps import StationDep
from web.schemas import DeviceOut, HealthOut

router = APIRouter(prefix="/api", tags=["health"])


@router.get("/health", response_model=HealthOut)
def health(station: StationDep) -> HealthOut:
    return HealthOut(
        status="ok", simulated=station.simulated, clock_simulated=station.clock.simulated,
        now=station.clock.now(), counter_id=station.settings.counter_id,
        devices={k: DeviceOut(**v.as_dict()) for k, v in station.devices.statuses().items()},
    )
