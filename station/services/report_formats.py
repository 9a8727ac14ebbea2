"""The period report as a city office files it (issue 17): an Excel workbook (openpyxl), an A4 PDF
(WeasyPrint, charts included) and CSV (UTF-8 with BOM). All from one PeriodReport view.

Why one module of renderings: the numbers are the view's; here they only get laid out. Headers are the
catalog's Japanese words (station/messages/ja/period.json) so the workbook, the PDF and the page say the same;
cells hold numbers as numbers (a median nobody had is an empty cell, not "—").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from html import escape
from typing import Any

from station.messages import text
from station.services.period_views import DayRow, PeriodReport, Times, WorkerStats
from station.services.report_charts import bar_chart

DAY_COLS = ("tickets", "done", "no_show", "cancelled", "cases", "issued", "issued_renewals", "returned_documents",
            "documents_slips", "renewal_guidance", "pin_reset_guidance", "insurance_applications",
            "public_funds_registrations", "phone", "phone_trivial", "phone_stale_notice", "escalations",
            "escalations_from_phone", "escalations_from_counter")
TIME_COLS = ("wait_median", "wait_p90", "walk_median", "walk_p90", "service_median", "service_p90")
WORKER_COLS = ("served", "service_total", "service_median", "service_p90", "idle", "no_shows", "handovers",
               "days_worked")


def col(key: str, **params: Any) -> str:
    return text(f"period.col.{key}", "ja", **params)


def _times(*ts: Times) -> list[float | None]:
    return [v for t in ts for v in (t.median_min, t.p90_min)]


def day_cells(r: DayRow) -> list[Any]:
    return [getattr(r, k) for k in DAY_COLS] + [r.wait.n, r.wait.median_min, r.wait.p90_min]


def worker_cells(w: WorkerStats) -> list[Any]:
    return [w.served, w.service_min_total, w.service.median_min, w.service.p90_min, w.idle_min, w.no_shows,
            w.handovers, w.days]


def sections(r: PeriodReport) -> list[tuple[str, list[str], list[list[Any]]]]:
    """(sheet title, header, rows) of every section, in order: the workbook's sheets and the PDF's tables."""
    period = f"{r.start.isoformat()} – {r.end.isoformat()}（{text('period.days_label', 'ja', days=r.days)}）"
    summary: list[list[Any]] = [[col("period"), period], [col("office"), r.office], [col("generated"), r.generated_at]]
    summary += [[col(k), getattr(r.totals, k)] for k in DAY_COLS]
    summary += [[col(f"{k}_{m}"), getattr(getattr(r, k), f"{m}_min" if m == "median" else "p90_min")]
                for k in ("wait", "walk", "service") for m in ("median", "p90")]
    summary.append([col("phone_avg", design=r.phone_design_per_day), r.phone_per_day_avg])
    day_head = [col("day"), *(col(k) for k in DAY_COLS), col("wait_n"), col("wait_median"), col("wait_p90")]
    days = [[d.day.isoformat() if d.day else "", *day_cells(d)[:-3], *day_cells(d)[-3:]] for d in r.per_day]
    days.append([text("period.col.count", "ja") + "（合計）", *day_cells(r.totals)])
    cats = [[f"{c.category} {c.ja}", c.issued, c.states.get("done", 0), c.states.get("no_show", 0),
             c.states.get("cancelled", 0), *_times(c.wait, c.walk, c.service)] for c in r.by_category]
    hours = [[text("period.hour_label", "ja", hour=h.hour), h.wait.n, *_times(h.wait, h.walk, h.service)]
             for h in r.by_hour]
    cases: list[list[Any]] = []
    for p in r.cases_by_procedure:
        cases.append([p.ja, "", p.total])
        cases += [["", o.ja, o.count] for o in p.outcomes]
    esc = [[col("reason"), x.ja, x.count] for x in r.handovers_by_reason]
    esc += [[col("paper"), x.ja, x.count] for x in r.collected]
    phone = [[f"{p.mark} {p.ja}", p.count] for p in r.phone_by_category]
    phone.append([col("phone_avg", design=r.phone_design_per_day), r.phone_per_day_avg])
    counters = [[text("period.counter_label", "ja", counter=w.key), *worker_cells(w)] for w in r.counters]
    clerks: list[list[Any]] = [[r.clerks_note]] + [[w.key, *worker_cells(w)] for w in r.clerks]
    return [
        (text("period.sheet.summary", "ja"), [col("item"), col("value")], summary),
        (text("period.sheet.days", "ja"), day_head, days),
        (text("period.sheet.categories", "ja"), [col("category"), col("tickets"), col("done"), col("no_show"),
                                                 col("cancelled"), *(col(k) for k in TIME_COLS)], cats),
        (text("period.sheet.hours", "ja"), [col("hour"), col("wait_n"), *(col(k) for k in TIME_COLS)], hours),
        (text("period.sheet.cases", "ja"), [col("procedure"), col("outcome"), col("count")], cases + esc),
        (text("period.sheet.phone", "ja"), [col("phone_category"), col("count")], phone),
        (text("period.sheet.counters", "ja"), [col("counter"), *(col(k) for k in WORKER_COLS)], counters),
        (text("period.sheet.clerks", "ja"), [col("clerk"), *(col(k) for k in WORKER_COLS)], clerks),
    ]


# --- Excel ---------------------------------------------------------------------------------------------
def workbook_bytes(r: PeriodReport, with_clerks: bool = True) -> bytes:
    """A summary sheet and one sheet per section; numbers as numbers; each sheet's print area on A4."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE6F3")
    for title, head, rows in sections(r):
        if not with_clerks and title == text("period.sheet.clerks", "ja"):
            continue
        ws = wb.create_sheet(title[:31])
        ws.append(head)
        for c in ws[1]:
            c.font, c.fill = bold, fill
        for row in rows:
            ws.append(row)
        for i, h in enumerate(head, start=1):
            width = max([len(str(h)) * 2] + [len(str(x[i - 1])) + 2 for x in rows if len(x) >= i and x[i - 1]])
            ws.column_dimensions[get_column_letter(i)].width = min(40, max(8, width))
        ws.freeze_panes = "B2"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape" if len(head) > 6 else "portrait"
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_area = f"A1:{get_column_letter(len(head))}{ws.max_row}"
        ws.print_title_rows = "1:1"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- CSV -----------------------------------------------------------------------------------------------
def csv_text(r: PeriodReport, with_clerks: bool = True) -> str:
    """Every section one after another (a title line, its header, its rows); the caller adds the BOM."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for title, head, rows in sections(r):
        if not with_clerks and title == text("period.sheet.clerks", "ja"):
            continue
        w.writerow([f"# {title}"])
        w.writerow(head)
        w.writerows([["" if v is None else v for v in row] for row in rows])
    return buf.getvalue()


# --- HTML (the page's tables) and PDF --------------------------------------------------------------------
def charts(r: PeriodReport) -> list[str]:
    """The same two charts on the page and in the PDF."""
    long = r.days > 31  # a long period's days need the month too
    days = [(f"{d.day.month}/{d.day.day}" if long else str(d.day.day)) if d.day else "" for d in r.per_day]
    hours = [h for h in r.by_hour if h.wait.n]
    return [
        bar_chart(text("period.chart.tickets_per_day", "ja"), days, [d.tickets for d in r.per_day]),
        bar_chart(text("period.chart.wait_per_hour", "ja"),
                  [text("period.hour_label", "ja", hour=h.hour) for h in hours],
                  [h.wait.p90_min or 0 for h in hours], integer=False),
    ]


def _cell(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.1f}"
    return escape(str(v))


def tables_html(r: PeriodReport, with_clerks: bool = True) -> str:
    out: list[str] = []
    for title, head, rows in sections(r):
        if not with_clerks and title == text("period.sheet.clerks", "ja"):
            continue
        out.append(f"<section><h2>{escape(title)}</h2><table><thead><tr>"
                   + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr></thead><tbody>")
        out += ["<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>" for row in _rows(rows)]
        out.append("</tbody></table></section>")
    return "".join(out)


def _rows(rows: Iterable[list[Any]]) -> Iterable[list[Any]]:
    return rows


PDF_CSS = """
@page { size: A4; margin: 14mm 12mm; @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; } }
body { font-family: "Noto Sans CJK JP", "IPAGothic", sans-serif; font-size: 8.5pt; }
h1 { font-size: 14pt; margin: 0 0 4pt; } h2 { font-size: 10.5pt; margin: 10pt 0 3pt; }
table { border-collapse: collapse; width: 100%; } th, td { border: 0.5pt solid #999; padding: 1.5pt 3pt; }
th { background: #dde6f3; font-weight: bold; } td { text-align: right; } td:first-child { text-align: left; }
section { break-inside: auto; } svg.chart { width: 100%; height: auto; display: block; margin: 4pt 0; }
"""


def html_document(r: PeriodReport, with_clerks: bool = True) -> str:
    title = text("period.title", "ja")
    return (f'<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f"<style>{PDF_CSS}</style></head><body><h1>{escape(title)} {r.start.isoformat()} – {r.end.isoformat()}"
            f"</h1><p>{escape(r.office)}</p>" + "".join(charts(r)) + tables_html(r, with_clerks) + "</body></html>")


def pdf_bytes(r: PeriodReport, with_clerks: bool = True) -> bytes:
    """The A4 PDF (WeasyPrint needs Debian's pango; scripts/setup.sh installs it)."""
    from weasyprint import HTML

    return HTML(string=html_document(r, with_clerks)).write_pdf()  # type: ignore[no-any-return]
