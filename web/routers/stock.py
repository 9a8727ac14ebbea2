"""Card stock API (D-BO-1..4, D-TEL-4). Thin: every rule lives in station.services.stock.

Personal fields (name_kana, birth_date) appear only in the single-card lookup
(GET /api/stock/cards/{notice_or_mfg}); lists, boxes and transitions carry numbers and states only.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from fastapi import APIRouter, File, Query, Request, Response, UploadFile
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator

from station.slips.box_label import box_label_png
from web import i18n
from web.deps import ActorDep, DbId, StationDep
from web.templates import templates

router = APIRouter(tags=["stock"])
API = "/api/stock"



class ProblemOut(BaseModel):
    line: int = Field(description="file line (1 = header; 0 = the file as a whole)")
    column: str
    reason_ja: str
    reason_en: str


class ImportOut(BaseModel):
    batch_id: int
    imported: int
    already_imported: bool
    encoding: str
    first_box: int | None
    last_box: int | None
    file_sha256: str


class CheckOut(BaseModel):
    ok: bool
    rows: int
    encoding: str
    problems: list[ProblemOut]


class CardSummaryOut(BaseModel):
    id: int
    manufacturing_no: str
    notice_no: str
    application_id: str
    application_date: date
    notice_type: str
    is_renewal: bool
    has_juki_card: bool
    delivery_lot: str
    status: str
    status_ja: str
    defect_reason: str | None
    return_reason: str | None
    mailed_on: date | None
    receipt_deadline: date | None
    box: int | None
    position: int | None
    box_label: str | None


class CardOut(CardSummaryOut):
    name_kana: str | None = Field(description="personal: None once purged")
    birth_date: date | None = Field(description="personal: None once purged")
    batch_id: int
    past_deadline: bool


class EventOut(BaseModel):
    at: Any
    actor: str
    from_status: str
    to_status: str
    reason: str
    detail: str


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


class MailOut(BaseModel):
    mailed: int
    mailed_on: date
    receipt_deadline: date
    skipped: dict[str, int]


class BoxOut(BaseModel):
    box: int
    label: str
    count: int
    first_manufacturing_no: str
    last_manufacturing_no: str
    delivery_lot: str


class SlotOut(BaseModel):
    box: int
    position: int
    manufacturing_no: str
    notice_no: str
    status: str


class ApplicationOut(BaseModel):
    application_id: str
    notice_no: str
    application_date: date
    days_since_application: int
    status: str
    status_ja: str
    notice_mailed: bool
    mailed_on: date | None
    receipt_deadline: date | None
    handover_suggested: bool
    message_ja: str
    message_en: str


def _d(view: object) -> dict[str, Any]:
    return dataclasses.asdict(view)  # type: ignore[call-overload]


def _summary(view: object) -> CardSummaryOut:
    return CardSummaryOut.model_validate({k: v for k, v in _d(view).items() if k in CardSummaryOut.model_fields})


@router.post(f"{API}/import", response_model=ImportOut | CheckOut)
def import_file(station: StationDep, actor: ActorDep, response: Response, file: UploadFile = File(...),
                check: bool = Query(False, description="validate only, write nothing")) -> ImportOut | CheckOut:
    """Upload a カード発行一覧 CSV: 201 imported, 200 already imported (nothing changed), 422 with every bad row."""
    data = file.file.read()
    if check:
        rep = station.stock.check_file(data)
        return CheckOut(ok=rep.ok, rows=rep.row_count, encoding=rep.encoding,
                        problems=[ProblemOut(**p.as_dict()) for p in rep.problems])  # type: ignore[arg-type]
    r = station.stock.import_bytes(data, file.filename or "", actor)
    response.status_code = 200 if r.already_imported else 201
    return ImportOut(**_d(r))


@router.get(API + "/cards/{notice_or_mfg}", response_model=CardOut)
def get_card(notice_or_mfg: str, station: StationDep) -> CardOut:
    """One card by notice number (hyphen optional) or manufacturing number, with the holder's personal fields."""
    return CardOut(**_d(station.stock.find(notice_or_mfg)))


@router.get(API + "/cards/{card}/history", response_model=list[EventOut])
def card_history(card: str, station: StationDep) -> list[EventOut]:
    """The card's lifecycle: import, then every transition (who, when, from → to, reason)."""
    return [EventOut(**_d(e)) for e in station.stock.history(card)]


@router.post(API + "/cards/{card}/transition", response_model=CardSummaryOut)
def transition(card: str, body: TransitionIn, station: StationDep, actor: ActorDep) -> CardSummaryOut:
    """Move a card (by id, manufacturing number or notice number): 409 with the reason when not allowed."""
    return _summary(station.stock.transition(card, body.to, actor, reason=body.reason, mailed_on=body.mailed_on))


@router.post(API + "/mail", response_model=MailOut)
def mail(body: MailIn, station: StationDep, actor: ActorDep) -> MailOut:
    """Mark notices mailed: a manufacturing-number range {from, to, date} or {notice_numbers, date}."""
    if body.notice_numbers:
        r = station.stock.mail_notices(body.notice_numbers, body.mailed_on, actor)
    else:
        assert body.from_ and body.to
        r = station.stock.mail_range(body.from_, body.to, body.mailed_on, actor)
    return MailOut(**_d(r))


@router.get(API + "/overdue", response_model=list[CardSummaryOut])
def overdue(station: StationDep) -> list[CardSummaryOut]:
    """Cards past their receipt deadline (mailed or ready), oldest deadline first."""
    return [_summary(c) for c in station.stock.overdue()]


@router.get(API + "/stale", response_model=list[CardSummaryOut])
def stale(station: StationDep) -> list[CardSummaryOut]:
    """Applications over stale_application_days old whose notice is not mailed yet (D-TEL-4)."""
    return [_summary(c) for c in station.stock.stale_applications()]


@router.get(API + "/notices", response_model=list[CardSummaryOut])
def notices(station: StationDep, mailed_on: date = Query(...)) -> list[CardSummaryOut]:
    """The notices mailed on a day with their receipt deadlines (D-BO-3)."""
    return [_summary(c) for c in station.stock.notice_list(mailed_on)]


@router.get(API + "/applications/{application_id_or_notice}", response_model=ApplicationOut)
def application(application_id_or_notice: str, station: StationDep) -> ApplicationOut:
    """Phone desk (D-TEL-4): where an application's card is, and whether to hand the call over."""
    from station.services.errors import NotFound

    r = station.stock.find_by_application(application_id_or_notice)
    if r is None:
        raise NotFound("この申請のカードは届いていません（発行一覧にありません）",
                       "no card for this application has arrived (not in the issuance list)")
    return ApplicationOut(**_d(r))


@router.get(API + "/boxes", response_model=list[BoxOut])
def boxes(station: StationDep) -> list[BoxOut]:
    """The slot list: every box in use with its manufacturing-number range and card count."""
    return [BoxOut(**_d(b)) for b in station.stock.boxes()]


@router.get(API + "/boxes/{box}", response_model=list[SlotOut])
def box_slots(box: DbId, station: StationDep) -> list[SlotOut]:
    """One box's slots in order (position 1 = lowest manufacturing number)."""
    return [SlotOut(**_d(s)) for s in station.stock.box_slots(box)]


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
