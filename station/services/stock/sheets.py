"""Printable A4 sheets of the back office (D-BO-3, D-BO-5): the day's mailing list, the counter's notice list
with deadlines, overdue and stale lists, the shelf map, and the counter's forms (暗証番号記載票の記入案内,
チェックシート, 交付控の送付表). The service hands a `PrintSheet` (words from the catalog, rows of plain
strings); web/templates/stock_print.html lays it out on A4. No personal data on any sheet.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from station.domain import stock as rules
from station.domain.barcodes import make_box_label
from station.domain.timezone import TOKYO
from station.messages import text
from station.services.errors import NotFound
from station.store import stock_repo as repo

if TYPE_CHECKING:
    from station.services.stock.service import StockService

LISTS = ("mailing", "notices", "overdue", "stale", "shelf", "issued")
FORMS = ("pin_guide", "checksheet")
SHEETS = LISTS + FORMS
MAX_ROWS = 5000  # a print run; the screen lists page


class PrintSheet(BaseModel):
    """One A4 sheet: a title, what it covers, a table (or a form's numbered items), and sign-off boxes."""

    model_config = ConfigDict(frozen=True)
    sheet: str
    title: str
    subtitle: str
    columns: list[str]
    rows: list[list[str]]
    items: list[str]
    total: int
    signoff: list[str]


def _d(v: date | None) -> str:
    return v.isoformat() if v else "—"


def _slot(box: int | None, pos: int | None) -> str:
    return f"{make_box_label(box)}・{pos}" if box else "—"


def build_sheet(stock: StockService, sheet: str, day: date, lang: str = "ja") -> PrintSheet:
    """The sheet `sheet` for business day `day` in `lang` (the forms are the same every day)."""
    if sheet not in SHEETS:
        raise NotFound("stock.print.unknown", params={"sheet": sheet, "known": ", ".join(SHEETS)})

    def w(code: str, **params: object) -> str:
        return text(f"stock.print.{code}", lang, **params)

    def status(st: str) -> str:
        return text(f"stock.status.{st}", lang)

    signoff = [w("sign_manager"), w("sign_staff")]
    cols: list[str] = []
    rows: list[list[str]] = []
    items: list[str] = []
    subtitle = w("day", day=day.isoformat())
    with stock.sessions() as s:
        if sheet == "mailing":
            cols = [w("c_no"), w("c_mfg"), w("c_notice"), w("c_deadline"), w("c_note"), w("c_check")]
            rows = [[str(i), c.manufacturing_no, c.notice_no, _d(c.receipt_deadline), c.notice_note or "", "□"]
                    for i, c in enumerate(repo.mailed_on(s, day), 1)]
        elif sheet == "notices":
            subtitle = w("as_of", day=day.isoformat())
            cols = [w("c_notice"), w("c_mailed"), w("c_deadline"), w("c_status"), w("c_slot"), w("c_note")]
            rows = [[c.notice_no, _d(c.mailed_on), _d(c.receipt_deadline), status(c.status),
                     _slot(c.box, c.position), c.notice_note or ""]
                    for c in repo.awaiting(s, [st.value for st in rules.AWAITING_HOLDER], MAX_ROWS)]
        elif sheet in ("overdue", "stale"):
            subtitle = w("as_of", day=day.isoformat())
            if sheet == "overdue":
                where, order = repo.overdue_filter([st.value for st in rules.AWAITING_HOLDER], day)
            else:
                where, order = repo.stale_filter([st.value for st in rules.NOT_MAILED],
                                                 rules.stale_cutoff(day, stock.cfg.stale_application_days))
            cards, _ = repo.page(s, where, order, 0, MAX_ROWS)
            cols = [w("c_mfg"), w("c_notice"), w("c_applied"), w("c_deadline"), w("c_status"), w("c_slot")]
            rows = [[c.manufacturing_no, c.notice_no, _d(c.application_date), _d(c.receipt_deadline),
                     status(c.status), _slot(c.box, c.position)] for c in cards]
        elif sheet == "shelf":
            subtitle = w("as_of", day=day.isoformat())
            cols = [w("c_box"), w("c_first"), w("c_last"), w("c_count"), w("c_lot")]
            rows = [[make_box_label(b), lo, hi, str(n), lot] for b, n, lo, hi, lot in repo.boxes(s)]
        elif sheet == "issued":
            start = datetime.combine(day, time(0), TOKYO)
            cols = [w("c_no"), w("c_time"), w("c_notice"), w("c_mfg"), w("c_copy")]
            rows = [[str(i), at.astimezone(TOKYO).strftime("%H:%M"), c.notice_no, c.manufacturing_no, "□"]
                    for i, (c, at) in enumerate(repo.issued_between(s, start, start + timedelta(days=1)), 1)]
        else:  # the forms: numbered items from the catalog
            subtitle = w(f"{sheet}_sub")
            n = 1
            while (item := text(f"stock.print.{sheet}_{n}", lang)) != f"stock.print.{sheet}_{n}":
                items.append(item)
                n += 1
            signoff = [] if sheet == "pin_guide" else signoff
    return PrintSheet(sheet=sheet, title=w(f"{sheet}_title"), subtitle=subtitle, columns=cols, rows=rows,
                      items=items, total=len(rows), signoff=signoff)

