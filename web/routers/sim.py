"""Simulator controls (only in simulator mode): press the button, see printed receipts, set the printer
state, put a virtual card on the reader, scan a barcode. Everything goes through the real channel."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, HTTPException, Query, Response
from pydantic import BaseModel, Field

from station.services.errors import Conflict, NotFound
from web.deps import DbId, StationDep

router = APIRouter(prefix="/api/sim", tags=["simulator"])


class ButtonIn(BaseModel):
    category: str = Field(min_length=1, max_length=8)


class PrinterStateIn(BaseModel):
    state: Literal["online", "offline", "paper_out", "cover_open", "near_end"]


class PrinterSpeedIn(BaseModel):
    jobs_per_second: float | None = Field(None, gt=0, le=1000, description="null: as fast as the data comes")


class CardIn(BaseModel):
    action: Literal["insert", "remove"]
    profile: str | None = None


class ScannerIn(BaseModel):
    # A real scanner sends printable ASCII (the code symbologies it reads carry nothing else): other text
    # is a 422 here, not an encoding error deep in the simulator (issue 13, Medium 5).
    text: str = Field(max_length=512, pattern=r"^[\x20-\x7e]*$")
    noise: bool = False


class PrintedJobOut(BaseModel):
    id: int
    text: str
    barcodes: list[str]
    qr_codes: list[str]
    png_url: str
    printed_at: datetime


def _rig(station: StationDep):  # type: ignore[no-untyped-def]
    if station.rig is None:
        raise HTTPException(404, "simulator not running")
    return station.rig


@router.post("/button", status_code=202)
def press_button(body: ButtonIn, station: StationDep) -> dict[str, str]:
    """Press the dispenser button of a category: the code goes through the pty to the real driver."""
    rig = _rig(station)
    station.queue.category(body.category)  # 422 for an unknown category
    try:
        rig.press(body.category)
    except KeyError as e:
        raise Conflict("queue.sim.no_button", params={"category": body.category}) from e
    return {"pressed": body.category}


@router.get("/printer/jobs", response_model=list[PrintedJobOut])
def printer_jobs(station: StationDep, limit: int = Query(50, ge=1, le=500)) -> list[PrintedJobOut]:
    """Printed receipts, newest first."""
    rig = _rig(station)
    jobs = list(reversed(rig.printer.jobs))[:limit]
    return [PrintedJobOut(id=j.id, text=j.text, barcodes=list(j.barcodes), qr_codes=list(j.qr_codes),
                          png_url=f"/api/sim/printer/jobs/{j.id}.png", printed_at=j.printed_at) for j in jobs]


@router.get("/printer/jobs/{job_id}.png", response_class=Response,
            responses={200: {"content": {"image/png": {}}}})
def printer_job_png(job_id: DbId, station: StationDep) -> Response:
    """The slip drawn on request (the simulator keeps text and events, not pictures)."""
    png = _rig(station).printer.png(job_id)
    if png is not None:
        return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})
    raise NotFound("印刷記録がありません", f"no printed job {job_id}")


@router.get("/printer/state")
def printer_state(station: StationDep) -> dict[str, str]:
    return {"state": _rig(station).printer.state}


@router.post("/printer/state")
def set_printer_state(body: PrinterStateIn, station: StationDep) -> dict[str, str]:
    """Make the simulated printer go offline, run out of paper … The daemon notices by itself."""
    rig = _rig(station)
    rig.printer.set_state(body.state)
    if station.printer is not None:
        station.printer.read_status()  # the panel's light follows at once, not at the next poll
    return {"state": rig.printer.state}


@router.post("/printer/speed")
def set_printer_speed(body: PrinterSpeedIn, station: StationDep) -> dict[str, float | None]:
    """Print at a real printer's pace (about 5 slips a second), e.g. to see a backlog build and a shutdown
    record it; null for full speed."""
    rig = _rig(station)
    rig.printer.set_speed(body.jobs_per_second)
    return {"jobs_per_second": rig.printer.jobs_per_second}


@router.get("/card")
def card_state(station: StationDep) -> dict[str, object]:
    return _rig(station).card_state()


@router.post("/card")
def card_action(body: CardIn, station: StationDep) -> dict[str, object]:
    """Put a virtual card of a profile on the reader, or take it off."""
    rig = _rig(station)
    if rig.card is None:
        raise Conflict("仮想カードリーダーが使えません: " + rig.card_error, "card simulator unavailable")
    if body.action == "remove":
        rig.remove_card()
    else:
        from simulators.card_profiles import PROFILES

        if body.profile not in PROFILES:
            raise NotFound(f"カードの種類「{body.profile}」はありません", f"unknown profile {body.profile!r}",
                           profiles=sorted(PROFILES))
        rig.card.insert(body.profile)
    return rig.card_state()


@router.post("/scanner", status_code=202)
def scan(body: ScannerIn, station: StationDep) -> dict[str, str]:
    """Scan a barcode (framed as the scanner sends it), or send line noise to test rejection."""
    rig = _rig(station)
    if body.noise:
        rig.scanner.send_noise()
    else:
        rig.scanner.scan(body.text)
    return {"scanned": "noise" if body.noise else body.text}
