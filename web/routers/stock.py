"""Card stock API (D-BO-1..4, D-TEL-4). Thin: every rule lives in station.services.stock.

Personal fields (name_kana, birth_date) appear only in the single-card lookup
(GET /api/stock/cards/{notice_or_mfg}); lists, boxes and transitions carry numbers and states only.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, File, Query, Request, Response, UploadFile
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator

from station.domain.card_record import CardStatus
from station.messages import text
from station.services.errors import NotFound
from station.services.stock import (
    ApplicationStatus,
    BoxView,
    CardEventView,
    CardPage,
    CardSummary,
    CardView,
    CheckResult,
    ImportResult,
    MailResult,
    NoticeCheck,
    RangeResult,
    ShelfFind,
    SlotView,
)
from station.slips.box_label import box_label_png
from web import i18n
from web.deps import DAY_MAX, DAY_MIN, ActorDep, DbId, StationDep
from web.paging import PageDep
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
def overdue(station: StationDep, page: PageDep, request: Request, response: Response) -> list[CardSummary]:
    """Cards past their receipt deadline (mailed or ready), oldest deadline first; paged (web/paging.py)."""
    return page.fetch(lambda o, n: station.stock.overdue(None, o, n), request, response)


@router.get(API + "/stale", response_model=list[CardSummary])
def stale(station: StationDep, page: PageDep, request: Request, response: Response) -> list[CardSummary]:
    """Applications over stale_application_days old whose notice is not mailed yet (D-TEL-4); paged."""
    return page.fetch(lambda o, n: station.stock.stale_applications(None, o, n), request, response)


@router.get(API + "/notices", response_model=list[CardSummary])
def notices(station: StationDep, page: PageDep, request: Request, response: Response,
            mailed_on: date = Query(..., ge=DAY_MIN, le=DAY_MAX)) -> list[CardSummary]:
    """The notices mailed on a day with their receipt deadlines (D-BO-3); paged."""
    return page.fetch(lambda o, n: station.stock.notice_list(mailed_on, o, n), request, response)


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


# --- the back office by scan (issue 14) -----------------------------------------------------------------
class ManyIn(BaseModel):
    """One step for many cards: a range of manufacturing numbers, a box, or scanned references."""

    model_config = ConfigDict(populate_by_name=True)
    to: str = Field(description="inspected | defect | mailed | ready | returned")
    first: str | None = Field(None, description="first manufacturing number of the range")
    last: str | None = Field(None, description="last manufacturing number of the range")
    box: int | None = Field(None, ge=1, le=9999, description="every card of this box (BOX-nnnn)")
    refs: list[str] = Field(default_factory=list, max_length=1000,
                            description="scanned notice or manufacturing numbers")
    reason: str | None = Field(None, description="defect or return reason")
    mailed_on: date | None = Field(None, alias="date", description="mailing date (to=mailed); default today")


class NoticeCheckIn(BaseModel):
    notice: str = Field(max_length=24, description="the notice's QR code or number, as scanned")
    card: str = Field(max_length=24, description="the card's manufacturing number (its label), as scanned")


class NoteIn(BaseModel):
    note: str = Field(max_length=400, description="what is written on the notice (reissue note …)")


@router.post(API + "/steps", response_model=RangeResult)
def many(body: ManyIn, station: StationDep, actor: ActorDep) -> RangeResult:
    """A step for many cards at once: those the lifecycle allows move, the others are counted by status."""
    return station.stock.transition_many(body.to, actor, first=body.first, last=body.last, box=body.box,
                                         refs=body.refs, reason=body.reason, mailed_on=body.mailed_on)


@router.post(API + "/notice-check", response_model=NoticeCheck)
def notice_check(body: NoticeCheckIn, station: StationDep, actor: ActorDep) -> NoticeCheck:
    """Does this notice go with this card (D-BO-1)? `match` false is shown loud."""
    return station.stock.check_notice(body.notice, body.card, actor)


@router.post(API + "/cards/{card}/note", response_model=CardSummary)
def note(card: str, body: NoteIn, station: StationDep, actor: ActorDep) -> CardSummary:
    """Keep what was written on the card's notice (D-BO-3); an empty note clears it."""
    return station.stock.set_note(card, body.note, actor)


@router.get(API + "/lists/{kind}", response_model=CardPage)
def card_list(kind: str, station: StationDep, page: int = Query(1, ge=1, le=100_000),
              per_page: int = Query(50, ge=1, le=200)) -> CardPage:
    """One page of: overdue, stale, or the cards in one status (received, inspected, defect, mailed, ready)."""
    return station.stock.card_page(kind, page, per_page)


@router.get(API + "/counts", response_model=dict[str, int])
def counts(station: StationDep) -> dict[str, int]:
    """Cards per lifecycle status."""
    return station.stock.status_counts()


@router.get(API + "/locate/{ref}", response_model=ShelfFind)
def locate(ref: str, station: StationDep) -> ShelfFind:
    """Find-by-scan (D-ISS-1): box and position of a card, for the clerk fetching it."""
    return station.stock.locate(ref)


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
        "today": station.stock.today().isoformat(),
        "statuses": {st.value: text(f"stock.status.{st.value}", lang) for st in CardStatus},
    }
    response = templates.TemplateResponse(request, "stock.html", ctx)
    i18n.remember(request, response)
    return response
