"""Issue 12 item 8: the visitor's slips read well, checked on what the printer simulator printed, row by row.

Each slip goes through the real composition (`station.services.cases`), the real ESC/POS driver and the TCP
printer simulator, which records every printed row (`PrintedJob.printed_lines`: a line too wide for the
paper comes out as two rows). On those rows: no row the printer had to break by itself, no line starting
with 。、）」 or ending with （「, no word, date or time split across rows, the visitor's words only (no
clerk sentence, no catalog key, no None/null, no ASCII identifier inside Japanese), today's remaining
hours first, the office's address and phone number.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator
from typing import Any

import pytest

from simulators.printer import PrinterSimulator
from station.app import Station
from station.domain.barcodes import make_notice_number
from station.domain.documents import Presented, Who
from station.domain.timezone import TOKYO
from station.slips.wrap import bad_breaks, phrases, wrap
from tests.integration.test_cases_service import CLERK, issuance_case, printer_sim, slip, st1, tap  # noqa: F401

# Words and spans a reader takes as one: none may be split across two printed rows.
WHOLE = ("パスポートなど", "お早めに", "お越しください", "ご案内", "受け付けています", "マイナンバーカード",
         "本人確認書類", "紛失届", "暗証番号", "有効期限", "保護者の方")
SPANS = re.compile(r"（あと\d+日）|\d{1,2}月\d{1,2}日（[月火水木金土日]）|\d{1,2}時\d{2}分|\d{3}-\d{3}-\d{4}")
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
LEAKS = re.compile(r"\b(?:None|null|undefined|True|False)\b|[a-z]+(?:[._][a-z]+)+|[A-Za-z_]{2,}")


def printed_rows(job: Any) -> list[str]:
    return [r for r in job.printed_lines if r and not set(r) <= {"-"}]


def check_slip(job: Any) -> list[str]:
    """Everything a reader would trip over on one printed slip; empty when it reads well."""
    rows = printed_rows(job)
    logical = [line for line in job.text.split("\n") if line and not set(line) <= {"-"}]
    problems = []
    if rows != logical:
        problems.append(f"the printer broke a line by itself: {[r for r in rows if r not in logical]}")
    problems += bad_breaks(rows)
    for a, b in itertools.pairwise(rows):
        joined = a + b.lstrip("　")
        for word in WHOLE:
            if word in joined and word not in a and word not in b:
                problems.append(f"{word!r} split: {a!r} / {b!r}")
        for m in SPANS.finditer(joined):
            if m.start() < len(a) < m.end():
                problems.append(f"{m.group()!r} split: {a!r} / {b!r}")
    for row in rows:
        if JAPANESE.search(row):
            for leak in LEAKS.findall(row):
                problems.append(f"code or identifier {leak!r} in {row!r}")
    return problems


@pytest.fixture
def st(st1: Station) -> Iterator[Station]:  # noqa: F811
    st1.settings.office.address = "○○市役所 本庁舎1階 市民課 マイナンバーカード窓口"
    st1.settings.office.phone = "000-123-4567"
    yield st1


def flat(job: Any) -> str:
    return "".join(r.lstrip("　") for r in job.printed_lines)


def documents_slip(st: Station, sim: PrinterSimulator, notice: int, presented: Presented,
                   at: dt.datetime | None = None) -> Any:
    cid = issuance_case(st)
    st.cases.scan_notice(cid, make_notice_number("CAS", notice), CLERK)
    if at is not None:  # the visitor was called before closing; the check ends at `at`
        st.clock.set(at)
    c = st.cases.present_documents(cid, presented, CLERK)
    assert c.outcome == "returned_documents"
    return slip(sim, "持ち物のご案内")[-1]


def test_incomplete_set_slip_reads_well(st: Station, printer_sim: PrinterSimulator) -> None:  # noqa: F811
    job = documents_slip(st, printer_sim, 2, Presented(frozenset({"notice"}), ("health_insurance",)))
    assert check_slip(job) == []
    text = flat(job)
    assert "写真のない書類は2点必要です" in text and "紛失した場合は紛失届が必要です" in text
    assert "住基カードをお持ちの方は、返納が必要です" in text
    # today first: open until 17:00 today (10:00 now), not the next opening day
    assert "本日12月1日（火）は17時00分まで受け付けています" in text and "次の開庁日" not in text
    assert "番号札の発券は16時30分までです" in text
    assert "000-123-4567" in text and "市民課" in text


def test_proxy_refused_slip_has_the_visitors_words_only(st: Station, printer_sim: PrinterSimulator) -> None:  # noqa: F811
    p = Presented(frozenset({"notice", "notification_card", "delegation", "proxy_proof"}), ("driving_licence",),
                  Who.PROXY, "work", ("passport",))
    job = documents_slip(st, printer_sim, 1, p)
    assert check_slip(job) == []
    text = flat(job)
    assert "代理人の理由が" not in text and "「仕事のため」" not in text
    assert "就業等のため来庁できない場合は、代理受取の理由になりません" in text


def test_under_15_without_guardian(st: Station, printer_sim: PrinterSimulator) -> None:  # noqa: F811
    job = documents_slip(st, printer_sim, 6, Presented(frozenset({"notice", "number_notice"}), ("passport",)))
    assert check_slip(job) == []
    assert "15歳未満の方は、保護者の方と一緒にお越しください" in flat(job)


@pytest.mark.parametrize(("kw", "title"), [
    ({"expires_in": 30}, "電子証明書の更新のご案内"),
    ({"expires_in": -3}, "電子証明書の更新のご案内"),
    ({"auth_tries": 0, "assist_tries": 0}, "暗証番号の再設定のご案内"),
])
def test_card_slips_read_well(st: Station, printer_sim: PrinterSimulator, kw: dict[str, int], title: str) -> None:  # noqa: F811
    c = st.cases.open(1, CLERK, procedure="insurance")
    tap(st, **kw)
    st.cases.card_tap(c.id, CLERK)
    job = slip(printer_sim, title)[-1]
    assert check_slip(job) == []
    rows = printed_rows(job)
    assert rows[1] == title  # twelve double-width kanji fill one row (was 「…のご案」 / 「内」)


def test_after_closing_the_slip_names_the_next_opening(st: Station, printer_sim: PrinterSimulator) -> None:  # noqa: F811
    st.clock.set(dt.datetime(2026, 12, 4, 16, 0, tzinfo=TOKYO))  # Friday
    job = documents_slip(st, printer_sim, 1, Presented(frozenset({"notice"}), ("passport",)),
                         dt.datetime(2026, 12, 4, 16, 50, tzinfo=TOKYO))  # 10 minutes before closing
    assert check_slip(job) == []
    assert "本日12月4日（金）は17時00分まで" in flat(job) and "番号札" not in flat(job)
    st.clock.set(dt.datetime(2026, 12, 4, 16, 0, tzinfo=TOKYO))
    job = documents_slip(st, printer_sim, 1, Presented(frozenset({"notice"}), ("passport",)),
                         dt.datetime(2026, 12, 4, 17, 30, tzinfo=TOKYO))
    assert check_slip(job) == []
    assert "次の開庁日: 12月7日（月）8時30分から" in flat(job) and "本日12月" not in flat(job)


def test_wrap_keeps_words_and_marks() -> None:
    """The reported breaks, on the wrapper alone."""
    for columns in range(16, 49, 2):
        for s in ("・パスポートなどの本人確認書類（原本）をお持ちください。",
                  "期限を過ぎるとカードは返納されます。お早めにお越しください。",
                  "次の開庁日: 12月4日（金）8時30分から、電話 000-123-4567（平日 8時30分～17時00分）"):
            lines = wrap(s, columns, "　")
            assert bad_breaks(lines) == [], lines
            assert "".join(x.lstrip("　") for x in lines).replace(" ", "") == s.replace(" ", "")
            for a, b in itertools.pairwise(lines):
                assert not (a.endswith("（金") or b.startswith("）")), lines
    assert "パスポートなどの" in phrases("パスポートなどの本人確認書類")


def test_the_ticket_reads_well_too(st: Station, printer_sim: PrinterSimulator) -> None:  # noqa: F811
    """The numbered ticket through the same printer: no code, no None, no identifier in its Japanese."""
    from drivers.printer import ReceiptPrinter
    from station.slips.ticket import ticket_receipt

    t = st.queue.issue("B")
    driver = ReceiptPrinter.network("127.0.0.1", printer_sim.port, timeout=2.0, poll_interval=None)
    try:
        driver.print_receipt(ticket_receipt(st.settings, t))
    finally:
        driver.close()
    job = slip(printer_sim, t.number)[-1]
    assert check_slip(job) == []
