"""The カード発行一覧 file: encodings, columns, every kind of bad row, dates, and a round trip."""

from __future__ import annotations

import string
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from station.domain.barcodes import make_notice_number, notice_check_digit
from station.domain.card_record import CardRecord, NoticeType
from station.domain.stock_csv import (
    COLUMNS,
    ImportReport,
    detect_encoding,
    fast_check_digit,
    parse_date,
    parse_stock_csv,
    write_stock_csv,
)
from tests.support.stock_data import fake_records

SAMPLES = Path(__file__).resolve().parents[2] / "config" / "samples"
TODAY = date(2026, 12, 1)
HEADER = ",".join(COLUMNS)
GOOD = "260100000001,AB1-234562,12345678901234567890123,ヤマダ　タロウ,1980-01-02,2026-10-01,通知カード,0,1,L1"


def csv_of(*rows: str, header: str = HEADER) -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode("utf-8")


def problems(rep: ImportReport) -> list[tuple[int, str]]:
    return [(p.line, p.column) for p in rep.problems]


def test_good_row_parses_to_the_record() -> None:
    rep = parse_stock_csv(csv_of(GOOD), TODAY)
    assert rep.ok and rep.row_count == 1 and rep.encoding == "utf-8"
    assert rep.records == [CardRecord(
        "260100000001", "AB1-234562", "12345678901234567890123", "ヤマダ\u3000タロウ", date(1980, 1, 2),
        date(2026, 10, 1), NoticeType.NOTIFICATION_CARD, False, True, "L1")]


@pytest.mark.parametrize("name", ["card_issuance_list_utf8.csv", "card_issuance_list_sjis.csv"])
def test_sample_files_are_valid(name: str) -> None:
    rep = parse_stock_csv((SAMPLES / name).read_bytes(), TODAY)
    assert rep.ok, rep.problems
    assert rep.row_count == 20
    assert rep.encoding == ("utf-8-sig" if "utf8" in name else "cp932")


@pytest.mark.parametrize(("encoding", "bom", "expected"), [
    ("utf-8", False, "utf-8"), ("utf-8", True, "utf-8-sig"), ("cp932", False, "cp932"),
    ("shift_jis", False, "cp932"),
])
def test_encodings_are_detected(encoding: str, bom: bool, expected: str) -> None:
    recs = fake_records(30)
    data = write_stock_csv(recs, encoding=encoding, bom=bom)
    assert detect_encoding(data) == expected
    rep = parse_stock_csv(data, TODAY)
    assert rep.ok and rep.records == recs


def test_utf16_is_refused_with_a_reason() -> None:
    rep = parse_stock_csv(HEADER.encode("utf-16"), TODAY)
    assert not rep.ok and rep.problems[0].line == 0 and "UTF-16" in rep.problems[0].reason_ja


def test_missing_header_and_individual_number_column() -> None:
    rep = parse_stock_csv(csv_of(GOOD, header=HEADER.replace("申請日", "受付日")), TODAY)
    assert problems(rep) == [(1, "申請日")] and "見出し" in rep.problems[0].reason_ja
    rep = parse_stock_csv(csv_of(GOOD + ",123412341234", header=HEADER + ",個人番号"), TODAY)
    assert not rep.ok and "個人番号" in rep.problems[0].reason_ja and rep.records == []


def test_extra_columns_and_any_column_order_are_fine() -> None:
    cols = list(COLUMNS)
    vals = GOOD.split(",")
    order = [9, 3, 0, 1, 2, 4, 5, 6, 7, 8]
    data = csv_of(",".join(vals[i] for i in order) + ",メモ", header=",".join(cols[i] for i in order) + ",備考")
    rep = parse_stock_csv(data, TODAY)
    assert rep.ok and rep.records[0].manufacturing_no == "260100000001"


BAD_CASES = [
    ("26010000001", "製造管理番号", "12桁"),  # 11 digits
    ("AB1-234567", "交付通知書番号", "チェックディジット"),  # DOMAIN.md's example fails its check digit
    ("AB1-23456", "交付通知書番号", "形式"),
    ("1234", "申請書ID", "23桁"),
    ("YAMADA TARO", "氏名（カナ）", "カタカナ"),
    ("1980-02-30", "生年月日", "存在しない"),
    ("平成31年5月1日", "生年月日", "期間外"),
    ("2027-01-01", "申請日", "未来"),
    ("2026-13-01", "申請日", "存在しない"),
    ("通知書", "通知種別", "通知カード"),
    ("2", "更新", "0/1"),
    ("はい", "住基カード", "0/1"),
    ("L 1", "納品ロット", "英数字"),
    ("", "申請書ID", "空"),
]


@pytest.mark.parametrize(("value", "column", "reason"), BAD_CASES)
def test_each_bad_value_is_named_with_line_column_and_reason(value: str, column: str, reason: str) -> None:
    vals = GOOD.split(",")
    vals[COLUMNS.index(column)] = value
    rep = parse_stock_csv(csv_of(GOOD.replace("260100000001", "260100000009").replace("AB1-234562", "AB1-000013"),
                                 ",".join(vals)), TODAY)
    assert problems(rep) == [(3, column)], rep.problems
    p = rep.problems[0]
    assert reason in p.reason_ja and any(c in string.ascii_lowercase for c in p.reason_en)
    assert len(rep.rows) == 1  # the good line 2 still parsed (the service imports nothing anyway)


def test_birth_after_application_and_wrong_field_count() -> None:
    late = GOOD.replace("1980-01-02", "2026-11-01")
    rep = parse_stock_csv(csv_of(late, "1,2,3"), TODAY)
    assert problems(rep) == [(2, "生年月日"), (3, "")]


def test_duplicates_within_the_file_name_the_first_line() -> None:
    other = GOOD.replace("AB1-234562", "AB1-000013")
    rep = parse_stock_csv(csv_of(GOOD, other, GOOD.replace("260100000001", "260100000002")), TODAY)
    assert problems(rep) == [(3, "製造管理番号"), (4, "交付通知書番号")]
    assert "2行目" in rep.problems[0].reason_ja and "line 2" in rep.problems[1].reason_en


def test_blank_lines_are_skipped_and_quoted_fields_work() -> None:
    data = (HEADER + "\r\n\r\n" + GOOD.replace("L1", '"L1"') + "\r\n\r\n").encode()
    rep = parse_stock_csv(data, TODAY)
    assert rep.ok and rep.row_count == 1


def test_full_width_and_half_width_input_is_normalised() -> None:
    row = ("２６０１０００００００１,ＡＢ１ー２３４５６２,12345678901234567890123,ﾔﾏﾀﾞ ﾀﾛｳ,"
           "Ｓ５５．１．２,令和8年10月1日,個人番号通知書,有,無,Ｌ１")
    rep = parse_stock_csv(csv_of(row), TODAY)
    assert rep.ok, rep.problems
    r = rep.records[0]
    assert (r.manufacturing_no, r.notice_no, r.name_kana, r.birth_date, r.application_date, r.delivery_lot) == (
        "260100000001", "AB1-234562", "ヤマダ\u3000タロウ", date(1980, 1, 2), date(2026, 10, 1), "L1")
    assert r.is_renewal is True and r.has_juki_card is False


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-11-02", date(2026, 11, 2)), ("2026/11/2", date(2026, 11, 2)), ("20261102", date(2026, 11, 2)),
    ("令和8年11月2日", date(2026, 11, 2)), ("R8.11.2", date(2026, 11, 2)), ("令和元年5月1日", date(2019, 5, 1)),
    ("H31/4/30", date(2019, 4, 30)), ("S64.1.7", date(1989, 1, 7)), ("平成元年1月8日", date(1989, 1, 8)),
    ("大正15年12月24日", date(1926, 12, 24)), ("昭和元年12月25日", date(1926, 12, 25)),
])
def test_accepted_date_formats(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["平成31年5月1日", "S64.1.8", "令和0年1月1日", "2026-02-29", "11/2/2026", "R8"])
def test_refused_dates(text: str) -> None:
    with pytest.raises(ValueError):
        parse_date(text)


@given(st.text(alphabet=string.ascii_uppercase + string.digits, min_size=3, max_size=3),
       st.integers(0, 99_999))
def test_fast_check_digit_agrees_with_barcodes(prefix: str, n: int) -> None:
    body = f"{prefix}{n:05d}"
    assert fast_check_digit(body) == notice_check_digit(body)


KATAKANA = [chr(c) for c in range(0x30A1, 0x30F7)] + ["ー"]
kana_part = st.text(alphabet=KATAKANA, min_size=1, max_size=8)
records = st.builds(
    CardRecord,
    manufacturing_no=st.integers(0, 10**12 - 1).map(lambda n: f"{n:012d}"),
    notice_no=st.tuples(st.text(alphabet=string.ascii_uppercase + string.digits, min_size=3, max_size=3),
                        st.integers(0, 99_999)).map(lambda t: make_notice_number(t[0], t[1])),
    application_id=st.integers(0, 10**23 - 1).map(lambda n: f"{n:023d}"),
    name_kana=st.lists(kana_part, min_size=1, max_size=3).map("\u3000".join),
    birth_date=st.dates(date(1900, 1, 1), date(2000, 12, 31)),
    application_date=st.dates(date(2001, 1, 1), TODAY),
    notice_type=st.sampled_from(list(NoticeType)),
    is_renewal=st.booleans(),
    has_juki_card=st.booleans(),
    delivery_lot=st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1, max_size=32),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(records, min_size=1, max_size=30, unique_by=(lambda r: r.manufacturing_no, lambda r: r.notice_no)),
       st.sampled_from([("utf-8", False), ("utf-8", True), ("cp932", False)]))
def test_round_trip(recs: list[CardRecord], enc: tuple[str, bool]) -> None:
    rep = parse_stock_csv(write_stock_csv(recs, encoding=enc[0], bom=enc[1]), TODAY)
    assert rep.ok, rep.problems
    assert rep.records == recs
