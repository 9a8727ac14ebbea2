"""Parsing what the counter scans or a clerk types: tickets, issuance notice numbers, box labels."""

from __future__ import annotations

import contextlib
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from station.domain.barcodes import (
    BarcodeError,
    BoxLabel,
    NoticeNumber,
    TicketCode,
    classify_scan,
    make_box_label,
    make_notice_number,
    make_ticket_code,
    notice_check_digit,
    parse_box_label,
    parse_notice_number,
    parse_ticket_code,
)

VALID_NOTICE = "AB1-234562"  # the docstring's worked example


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("TK-1234", TicketCode(1234)),
        ("tk-7", TicketCode(7)),
        ("ＴＫ－００１２", TicketCode(12)),
        ("TK-999999999", TicketCode(999_999_999)),
        (" TK-5\t", TicketCode(5)),
        ("BOX-0012", BoxLabel(12)),
        ("box-9999", BoxLabel(9999)),
        ("ＢＯＸ－０００１", BoxLabel(1)),
        (VALID_NOTICE, NoticeNumber("AB1", "234562")),
        ("ab1234562", NoticeNumber("AB1", "234562")),
        ("ＡＢ１ー２３４５６２", NoticeNumber("AB1", "234562")),
        ("AB1−234562", NoticeNumber("AB1", "234562")),  # U+2212 minus sign
        ("AB1 234562", NoticeNumber("AB1", "234562")),
        ("AB1　234562", NoticeNumber("AB1", "234562")),  # ideographic space
        (make_notice_number("BOX", "12345"), parse_notice_number(make_notice_number("BOX", "12345"))),
        (make_notice_number("TK1", "00000"), NoticeNumber("TK1", "00000" + notice_check_digit("TK100000"))),
        (make_notice_number("123", "45678"), NoticeNumber("123", "45678" + notice_check_digit("12345678"))),
    ],
)
def test_classify_table(text: str, expected: object) -> None:
    assert classify_scan(text) == expected


@pytest.mark.parametrize(
    ("text", "reason_ja"),
    [
        ("", "データが空です"),
        ("   ", "データが空です"),
        ("AB1-234567", "チェックディジットが一致しません"),
        ("AB1234563", "チェックディジットが一致しません"),
        ("AB1-23456", "交付通知書番号の形式"),
        ("AB1-2345620", "交付通知書番号の形式"),
        ("AB12-34562", "交付通知書番号の形式"),
        ("TK-0", "整理券の番号"),
        ("TK-", "整理券の番号"),
        ("TK-12A", "整理券の番号"),
        ("TK-1234567890", "整理券の番号"),
        ("BOX-12", "カード保管箱ラベル"),
        ("BOX-0000", "カード保管箱ラベル"),
        ("https://example.jp/", "いずれの形式でもありません"),
        ("交付通知書", "いずれの形式でもありません"),
        ("4901234567894", "いずれの形式でもありません"),
    ],
)
def test_classify_errors_say_why(text: str, reason_ja: str) -> None:
    with pytest.raises(BarcodeError) as info:
        classify_scan(text)
    assert info.value.message_ja.startswith("バーコードを読み取れませんでした: ")
    assert reason_ja in info.value.message_ja
    assert info.value.message_en.startswith("could not read the barcode: ")


def test_check_digit_worked_example() -> None:
    # Documented: AB123456 → digits 1011123456 → Luhn sum 28 → check digit 2.
    assert notice_check_digit("AB123456") == "2"
    assert notice_check_digit("ab1-23456") == "2"
    assert make_notice_number("AB1", "23456") == VALID_NOTICE
    assert make_notice_number("ab1", 1) == "AB1-00001" + notice_check_digit("AB100001")


def test_check_digit_matches_reference_luhn() -> None:
    # Classic Luhn test vector 7992739871 → 3, reached through an all-digit body.
    assert notice_check_digit("99273987") == _luhn_reference("99273987")
    assert _luhn_reference("7992739871") == "3"


def _luhn_reference(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d // 10 + d % 10
    return str(-total % 10)


@pytest.mark.parametrize("bad", ["AB", "AB1-2345", "AB1-234567", "A-B12345", "AB1-2345X", "ＡＢ1-2345"])
def test_make_notice_number_refuses_bad_shape(bad: str) -> None:
    with pytest.raises(ValueError):
        notice_check_digit(bad)


def test_parse_helpers_and_text_properties() -> None:
    assert parse_ticket_code("TK-42").text == make_ticket_code(42) == "TK-42"
    assert parse_box_label("BOX-0003").text == make_box_label(3) == "BOX-0003"
    notice = parse_notice_number("ab1234562")
    assert notice.canonical == str(notice) == VALID_NOTICE
    with pytest.raises(ValueError):
        make_ticket_code(0)
    with pytest.raises(ValueError):
        make_box_label(10_000)


def test_barcode_error_is_a_value_error_with_both_languages() -> None:
    err = BarcodeError("日本語", "English")
    assert isinstance(err, ValueError)
    assert str(err) == "日本語 / English"


ALNUM = string.ascii_uppercase + string.digits
prefixes = st.text(alphabet=ALNUM, min_size=3, max_size=3)
serials = st.integers(0, 99_999)
dashes = st.sampled_from(["-", "", "－", "ー", "ｰ", "−", "‐", "–", " - ", " "])


@given(prefixes, serials, dashes, st.booleans(), st.booleans(), st.sampled_from(["", " ", "　", "\t"]))
def test_valid_notice_numbers_round_trip_through_variants(
    prefix: str, serial: int, dash: str, lower: bool, wide: bool, pad: str
) -> None:
    canonical = make_notice_number(prefix, serial)
    head, tail = canonical.split("-")
    typed = head + dash + tail
    if lower:
        typed = typed.lower()
    if wide:
        typed = full_width(typed)
    typed = pad + typed + pad
    assert parse_notice_number(typed).canonical == canonical
    assert classify_scan(typed) == NoticeNumber(head, tail)


@given(prefixes, serials, st.integers(3, 8), st.integers(1, 9))
def test_any_single_wrong_digit_is_caught(prefix: str, serial: int, position: int, delta: int) -> None:
    canonical = make_notice_number(prefix, serial)  # positions 4..9 are the six digits
    chars = list(canonical)
    pos = position + 1
    chars[pos] = str((int(chars[pos]) + delta) % 10)
    with pytest.raises(BarcodeError) as info:
        parse_notice_number("".join(chars))
    assert "チェックディジット" in info.value.message_ja


@given(st.integers(1, 999_999_999))
def test_ticket_round_trip(ticket_id: int) -> None:
    assert classify_scan(make_ticket_code(ticket_id)) == TicketCode(ticket_id)


@given(st.integers(1, 9999))
def test_box_round_trip(box_no: int) -> None:
    assert classify_scan(make_box_label(box_no)) == BoxLabel(box_no)


@given(st.text(max_size=40))
def test_random_text_only_ever_raises_barcode_error(text: str) -> None:
    for parse in (classify_scan, parse_notice_number, parse_ticket_code, parse_box_label):
        try:
            result = parse(text)
        except BarcodeError as exc:
            assert exc.message_ja and exc.message_en
        else:
            assert isinstance(result, TicketCode | NoticeNumber | BoxLabel)


@given(st.text(alphabet=ALNUM + "-TKBOX", max_size=14))
def test_code_like_text_only_ever_raises_barcode_error(text: str) -> None:
    with contextlib.suppress(BarcodeError):
        classify_scan(text)
