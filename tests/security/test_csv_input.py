"""The card issuance list as hostile input (issue 13, Medium 5 and Low 10, 13).

- a header line over 131,072 characters was `_csv.Error` (500) on import and on `?check=true`: now a
  problem row with its own words;
- a 「個人 番号」 or 「My Number」 column was imported (only exact names were refused): names are compared
  normalised (NFKC, no spaces, case-folded), and an extra column of 12-digit values passing the individual
  number's check digit is refused too;
- a NUL byte was reported as "UTF-16": it is a damaged file, said so with its offset.
"""

from __future__ import annotations

import pytest

from station.domain.stock_csv import is_individual_number, parse_stock_csv, write_stock_csv
from tests.security.conftest import Office
from tests.support.backoffice_day import CARDS


def _my_number(body: str) -> str:
    for d in "0123456789":
        if is_individual_number(body + d):
            return body + d
    raise AssertionError(body)


def _with_column(name: str, values: list[str]) -> bytes:
    lines = write_stock_csv(CARDS).decode("utf-8-sig").splitlines()
    out = [lines[0] + "," + name] + [line + "," + v for line, v in zip(lines[1:], values, strict=False)]
    return ("\r\n".join(out) + "\r\n").encode()


def _codes(data: bytes) -> list[str]:
    return [p.msg.code for p in parse_stock_csv(data).problems]


def test_the_check_digit() -> None:
    assert is_individual_number("123456789018")  # the example in the ordinance's explanation
    assert not is_individual_number("123456789010")
    assert not is_individual_number("１２３４５６７８９０１８")


@pytest.mark.parametrize("name", ["個人番号", "個人 番号", "個人　番号", "My Number", "MYNUMBER", "ｍｙ　ｎｕｍｂｅｒ",
                                  "マイナンバー", "ﾏｲﾅﾝﾊﾞｰ", "Individual Number"])
def test_individual_number_columns_by_name(name: str) -> None:
    assert "stock.csv.individual_number" in _codes(_with_column(name, ["x"] * len(CARDS)))


def test_individual_number_columns_by_value() -> None:
    numbers = [_my_number(f"{12345678900 + i * 7:011d}") for i in range(len(CARDS))]
    codes = _codes(_with_column("備考", numbers))
    assert "stock.csv.individual_number_values" in codes
    assert not parse_stock_csv(_with_column("備考", numbers)).records


def test_other_twelve_digit_columns_pass() -> None:
    not_numbers = []
    for i in range(len(CARDS)):
        v = _my_number(f"{22345678900 + i:011d}")
        not_numbers.append(v[:11] + str((int(v[11]) + 1) % 10))
    report = parse_stock_csv(_with_column("備考", not_numbers))
    assert report.ok, [p.msg.code for p in report.problems]


def test_an_over_long_header_is_a_problem_row() -> None:
    data = b"\xe8\xa3\xbd" + b"x" * 140_000 + b",a\r\n1,2\r\n"
    report = parse_stock_csv(data)
    assert [p.msg.code for p in report.problems] == ["stock.csv.field_too_long"]
    assert report.problems[0].line == 1


def test_an_over_long_field_in_a_row_is_a_problem_row() -> None:
    lines = write_stock_csv(CARDS).decode("utf-8-sig").splitlines()
    lines[2] = lines[2].replace(",", ',"' + "y" * 140_000 + '",', 1)
    codes = _codes(("\r\n".join(lines) + "\r\n").encode())
    assert "stock.csv.field_too_long" in codes


def test_a_nul_byte_is_not_called_utf16() -> None:
    data = bytearray(write_stock_csv(CARDS))
    data[200] = 0
    report = parse_stock_csv(bytes(data))
    assert [p.msg.code for p in report.problems] == ["stock.csv.nul_byte"]
    assert report.problems[0].msg.params["at"] == 200
    utf16 = write_stock_csv(CARDS).decode("utf-8-sig").encode("utf-16-le")
    assert _codes(utf16) == ["stock.csv.encoding_unsupported"]


def test_over_the_api_no_server_error(office: Office) -> None:
    c = office.client()
    h = office.headers("supervisor")
    header = b"x" * 140_000 + b",a\r\n1,2\r\n"
    for params in ({}, {"check": "true"}):
        r = c.post("/api/stock/import", params=params, files={"file": ("list.csv", header, "text/csv")}, headers=h)
        assert r.status_code in (200, 422), (params, r.status_code, r.text[:300])
        assert "131,072" in r.text
