"""The period report's files (issue 17) over a generated month: the workbook read back with openpyxl has the
right numbers in the right cells, the PDF's text (pdftotext) holds the totals, the CSV starts with a BOM,
the API, the page and `station report --from --to --xlsx --pdf` answer."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from station.app import Station
from station.clock import ManualClock
from station.domain.chart import ticks
from station.domain.period import PeriodKind, period_of
from station.domain.timezone import TOKYO
from station.services import report_formats as f
from station.services.period_views import PeriodReport
from tests.conftest import make_settings
from tests.support.backoffice_day import DAY
from tests.support.period_month import run_month
from web.app import create_app


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Station, PeriodReport]]:
    tmp: Path = tmp_path_factory.mktemp("month-files")
    clock = ManualClock(dt.datetime.combine(DAY, dt.time(8, 30), TOKYO))
    st = Station(make_settings(tmp), clock=clock, with_devices=False)
    st.start()
    try:
        run_month(st, days=5)
        yield st, st.period_reports.report(period_of(PeriodKind.MONTH, DAY))
    finally:
        st.stop()


def test_the_workbook_has_the_numbers_in_their_cells(month: tuple[Station, PeriodReport]) -> None:
    st, r = month
    wb = load_workbook(io.BytesIO(st.period_reports.export(period_of(PeriodKind.MONTH, DAY), "xlsx")))
    assert wb.sheetnames == ["概要", "日別", "区分別の時間", "時間帯別", "手続き", "電話受付", "窓口別", "職員別"]
    days = wb["日別"]
    head = [c.value for c in days[1]]
    assert head[:3] == ["日付", "番号札", "完了"]
    assert days.max_row == 1 + r.days + 1  # header, a row a day, the total
    for i, row in enumerate(r.per_day, start=2):
        assert days.cell(i, 1).value == row.day.isoformat()  # type: ignore[union-attr]
        assert days.cell(i, 2).value == row.tickets and isinstance(days.cell(i, 2).value, int)
        assert days.cell(i, head.index("電話受付") + 1).value == row.phone
    total = days.max_row
    assert days.cell(total, 2).value == r.totals.tickets
    assert days.cell(total, head.index("交付") + 1).value == r.totals.issued
    assert days.cell(total, head.index("待ち時間 90%（分）") + 1).value == r.totals.wait.p90_min
    summary = {row[0].value: row[1].value for row in wb["概要"].iter_rows(min_row=2)}
    assert summary["番号札"] == r.totals.tickets and summary["本市職員への引継ぎ"] == r.totals.escalations
    assert summary["待ち時間 中央値（分）"] == r.wait.median_min
    clerks = wb["職員別"]
    assert "業務管理者" in clerks.cell(2, 1).value
    got = {clerks.cell(i, 1).value: clerks.cell(i, 2).value for i in range(3, clerks.max_row + 1)}
    assert got == {c.key: c.served for c in r.clerks}
    for ws in wb.worksheets:
        assert int(ws.page_setup.paperSize) == 9 and ws.print_area  # 9: A4 in SpreadsheetML


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (scripts/setup.sh installs it)")
def test_the_pdf_holds_the_totals(month: tuple[Station, PeriodReport], tmp_path: Path) -> None:
    st, r = month
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(st.period_reports.export(period_of(PeriodKind.MONTH, DAY), "pdf"))
    assert pdf.read_bytes().startswith(b"%PDF")
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "業務報告（期間） 2026-12-01 – 2026-12-31" in out
    assert "日別の番号札（件）" in out  # the chart rendered
    lines = [ln.split() for ln in out.splitlines()]
    assert ["番号札", str(r.totals.tickets)] in lines
    assert ["電話受付", str(r.totals.phone)] in lines
    assert ["本市職員への引継ぎ", str(r.totals.escalations)] in lines


def test_chart_ticks_are_whole_numbers_for_counts() -> None:
    assert ticks(7) == [0, 2, 4, 6, 8]
    assert ticks(1) == [0, 1]
    assert ticks(0) == [0, 1]
    assert all(float(t).is_integer() for t in ticks(613))
    svg = f.charts(PeriodReport.model_validate(_empty()))[0]
    assert "<svg" in svg and "2.5" not in svg


def _empty() -> dict[str, object]:
    from station.services.period_views import DayRow, Times

    t = Times()
    return {"start": DAY, "end": DAY, "kind": "day", "days": 1, "office": "x", "generated_at": "",
            "totals": DayRow(), "per_day": [DayRow(day=DAY)], "by_category": [], "by_hour": [], "wait": t,
            "walk": t, "service": t, "cases_by_procedure": [], "handovers_by_reason": [], "collected": [],
            "consents": [], "phone_by_category": [], "phone_per_day_avg": 0, "counters": [], "clerks": [],
            "clerks_note": ""}


def test_api_page_and_csv(month: tuple[Station, PeriodReport]) -> None:
    st, r = month
    c = TestClient(create_app(st, manage_lifecycle=False))
    j = c.get("/api/reports/period", params={"kind": "month", "date": "2026-12-10"}).json()
    assert j["totals"]["tickets"] == r.totals.tickets and len(j["per_day"]) == 31
    rng = c.get("/api/reports/period", params={"kind": "range", "date": "2026-12-01", "to": "2026-12-01"}).json()
    assert rng["totals"]["tickets"] == st.reports.daily(DAY)["tickets"]["total"]
    bad = c.get("/api/reports/period", params={"kind": "range", "date": "2026-12-05", "to": "2026-12-01"})
    assert bad.status_code == 422
    body = c.get("/api/reports/period.csv", params={"kind": "month", "date": "2026-12-01"}).content
    assert body.startswith("\ufeff".encode()) and "# 日別".encode() in body
    city = c.get("/api/reports/period.xlsx", params={"kind": "month", "date": "2026-12-01", "clerks": "false"})
    assert "職員別" not in load_workbook(io.BytesIO(city.content)).sheetnames
    page = c.get("/reports/period", params={"kind": "month", "date": "2026-12-01"})
    assert page.status_code == 200 and "<svg" in page.text and "業務管理者" in page.text


def test_cli_writes_the_workbook_and_the_pdf(month: tuple[Station, PeriodReport], tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from station.cli import app as cli

    st, r = month
    url = st.settings.effective_database_url
    xlsx, pdf = tmp_path / "m.xlsx", tmp_path / "m.pdf"
    from tests.conftest import EXAMPLE_CONFIG

    args = ["--config", str(EXAMPLE_CONFIG), "report", "--from", "2026-12-01", "--to", "2026-12-31",
            "--xlsx", str(xlsx), "--pdf", str(pdf), "--data-dir", str(st.settings.data_dir)]
    res = CliRunner().invoke(cli, args, env={"STATION_DATABASE_URL": url})
    assert res.exit_code == 0, res.output
    assert f"番号札 / tickets: {r.totals.tickets}" in res.output
    assert load_workbook(xlsx)["日別"].cell(32 + 1, 2).value == r.totals.tickets
    assert pdf.read_bytes().startswith(b"%PDF")
