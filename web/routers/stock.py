"""Card stock API (D-BO-1..4, D-TEL-4). Thin: every rule lives in station.services.stock.

Personal fields (name_kana, birth_date) appear only in the single-card lookup
(GET /api/stock/cards/{notice_or_mfg}); lists, boxes and transitions carry numbers and states only.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, File, Query, Request, Response, UploadFile
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator

from station.services.errors import NotFound
from station.services.stock import (
    ApplicationStatus,
    BoxView,
    CardEventView,
    CardSummary,
    CardView,
    CheckResult,
    ImportResult,
    MailResult,
    SlotView,
)
from station.slips.box_label import box_label_png
from web import i18n
from web.deps import ActorDep, DbId, StationDep
from web.templates import templates

router = APIRouter(tags=["stock"])
API = "/api/stock"



class TransitionIn(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    to: str = Field(description="inspected | defect | mailed | ready | issued | returned")
    reason: str | None = Field(None, description="defect: print|photo|data_mismatch; "
                                                 "returned: deadline_passed|defect|cancelled")
    mailed_on: date | None = Field(None, alias="date", description="mailing date (to=mailed); default today")


class MailIn(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    from_: str | None = Field(None, alias="from", description="first manufacturing number of the range")
    to: str | None = Field(None, description="last manufacturing number of the range")
    notice_numbers: list[str] | None = Field(None, description="scanned notice numbers (instead of a range)")
    mailed_on: date = Field(alias="date", description="mailing date YYYY-MM-DD")

    @model_validator(mode="after")
    def _one_way(self) -> MailIn:
        if bool(self.notice_numbers) == bool(self.from_ or self.to) or (
                not self.notice_numbers and not (self.from_ and self.to)):
            raise ValueError("give from and to, or notice_numbers / 範囲（from・to）か notice_numbers を指定")
        return self


@router.post(f"{API}/import", response_model=ImportResult | CheckResult)
def import_file(station: StationDep, actor: ActorDep, response: Response, file: UploadFile = File(...),
                check: bool = Query(False, description="validate only, write nothing")) -> ImportResult | CheckResult:
    """Upload a カード発行一覧 CSV: 201 imported, 200 already imported (nothing changed), 422 with every bad row."""
    data = file.file.read()
    if check:
        return station.stock.check(data)
    r = station.stock.import_bytes(data, file.filename or "", actor)
    response.status_code = 200 if r.already_imported else 201
    return r


@router.get(API + "/cards/{notice_or_mfg}", response_model=CardView)
def get_card(notice_or_mfg: str, station: StationDep) -> CardView:
    """One card by notice number (hyphen optional) or manufacturing number, with the holder's personal fields."""
    return station.stock.find(notice_or_mfg)


@router.get(API + "/cards/{card}/history", response_model=list[CardEventView])
def card_history(card: str, station: StationDep) -> list[CardEventView]:
    """The card's lifecycle: import, then every transition (who, when, from → to, reason)."""
    return station.stock.history(card)


@router.post(API + "/cards/{card}/transition", response_model=CardSummary)
def transition(card: str, body: TransitionIn, station: StationDep, actor: ActorDep) -> CardSummary:
    """Move a card (by id, manufacturing number or notice number): 409 with the reason when not allowed."""
    return station.stock.transition(card, body.to, actor, reason=body.reason, mailed_on=body.mailed_on).summary()


@router.post(API + "/mail", response_model=MailResult)
def mail(body: MailIn, station: StationDep, actor: ActorDep) -> MailResult:
    """Mark notices mailed: a manufacturing-number range {from, to, date} or {notice_numbers, date}."""
    if body.notice_numbers:
        return station.stock.mail_notices(body.notice_numbers, body.mailed_on, actor)
    assert body.from_ and body.to
    return station.stock.mail_range(body.from_, body.to, body.mailed_on, actor)


@router.get(API + "/overdue", response_model=list[CardSummary])
def overdue(station: StationDep) -> list[CardSummary]:
    """Cards past their receipt deadline (mailed or ready), oldest deadline first."""
    return station.stock.overdue()


@router.get(API + "/stale", response_model=list[CardSummary])
def stale(station: StationDep) -> list[CardSummary]:
    """Applications over stale_application_days old whose notice is not mailed yet (D-TEL-4)."""
    return station.stock.stale_applications()


@router.get(API + "/notices", response_model=list[CardSummary])
def notices(station: StationDep, mailed_on: date = Query(...)) -> list[CardSummary]:
    """The notices mailed on a day with their receipt deadlines (D-BO-3)."""
    return station.stock.notice_list(mailed_on)


@router.get(API + "/applications/{application_id_or_notice}", response_model=ApplicationStatus)
def application(application_id_or_notice: str, station: StationDep) -> ApplicationStatus:
    """Phone desk (D-TEL-4): where an application's card is, and whether to hand the call over."""
    r = station.stock.find_by_application(application_id_or_notice)
    if r is None:
        raise NotFound("stock.application_not_arrived")
    return r


@router.get(API + "/boxes", response_model=list[BoxView])
def boxes(station: StationDep) -> list[BoxView]:
    """The slot list: every box in use with its manufacturing-number range and card count."""
    return station.stock.boxes()


@router.get(API + "/boxes/{box}", response_model=list[SlotView])
def box_slots(box: DbId, station: StationDep) -> list[SlotView]:
    """One box's slots in order (position 1 = lowest manufacturing number)."""
    return station.stock.box_slots(box)


@router.get(API + "/boxes/{box}/label.png", responses={200: {"content": {"image/png": {}}}}, response_class=Response)
def box_label(box: DbId, station: StationDep) -> Response:
    """The printable label of a box: Code128 of BOX-nnnn and the box's range."""
    slots = station.stock.box_slots(box)  # 404 for a box not in use
    png = box_label_png(box, slots[0].manufacturing_no, slots[-1].manufacturing_no, len(slots))
    return Response(png, media_type="image/png")


@router.get("/stock", response_class=HTMLResponse, include_in_schema=False)
def stock_page(request: Request, station: StationDep) -> HTMLResponse:
    """Back-office page: upload the list, find a card, the box list with printable labels."""
    lang = i18n.lang_of(request)
    t = i18n.table(lang)
    ctx = {
        "lang": lang, "other_lang": i18n.other(lang), "t": t,
        "office_name": station.settings.office.name if lang == "ja" else station.settings.office.name_en,
        "clock_simulated": bool(station.clock.simulated), "simulated": bool(station.simulated),
        "path": request.url.path, "heading": t["stock_title"],
    }
    response = templates.TemplateResponse(request, "stock.html", ctx)
    i18n.remember(request, response)
    return response
