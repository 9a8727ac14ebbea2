"""The card issuance list (カード発行一覧) CSV: its columns, its encodings, and per-row validation. Pure.

The integrated terminal (統合端末) exports the list of cards J-LIS delivered; the back office imports it
(D-BO-2). This module turns the file's bytes into ``CardRecord`` values, or into an ``ImportReport`` that
names every bad row, so that the service can refuse the whole file when any row is bad.

Columns (first line is the header; columns are found by name, in any order; other columns are ignored,
except that a file carrying the individual number is refused outright — it is never read):

=================  ==========================  =====================================================
header             field                       accepted values
=================  ==========================  =====================================================
製造管理番号       manufacturing_no            exactly 12 digits, e.g. ``260100000001`` (shelf order)
交付通知書番号     notice_no                   ``AB1-234562`` with a valid check digit (hyphen optional,
                                               stored canonical; see station.domain.barcodes)
申請書ID           application_id              exactly 23 digits (spaces / hyphens are ignored)
氏名（カナ）       name_kana                   katakana, family and given name separated by a space
                                               (half-width kana accepted; stored full-width, one
                                               full-width space between parts); at most 60 characters
生年月日           birth_date                  a date (formats below), not after 申請日
申請日             application_date            a date (formats below), not after the import day
通知種別           notice_type                 ``通知カード`` or ``個人番号通知書``
更新               is_renewal                  ``0``/``1`` or ``無``/``有`` (renewal of an existing card)
住基カード         has_juki_card               ``0``/``1`` or ``無``/``有``
納品ロット         delivery_lot                1–32 letters, digits, ``-`` or ``_`` (e.g. ``L2026-11-A``)
=================  ==========================  =====================================================

Dates: ``2026-11-02`` (ISO), ``2026/11/2`` or ``2026/11/02`` (what spreadsheets write), ``20261102``,
and the Japanese era in full or abbreviated: ``令和8年11月2日``, ``令和元年5月1日``, ``R8.11.2``,
``H31/4/30``, ``S64.1.7`` (eras 明治 M, 大正 T, 昭和 S, 平成 H, 令和 R; the date must fall inside the
era: ``平成31年5月1日`` is refused, because 令和 began that day). Full-width digits are accepted.

Encodings: UTF-8 with or without BOM, and Shift_JIS (read as CP932, its Windows superset, which is
what the terminal and Excel write). Detection needs no library: a UTF-8 BOM means UTF-8; otherwise the
bytes are UTF-8 if they decode as UTF-8 (Shift_JIS text with kana essentially never does), else CP932;
anything else (UTF-16, binary) is refused with a reason.

Within the file, a manufacturing number or a notice number may appear only once; the service also
checks both against the cards already in stock.
"""

from __future__ import annotations

import csv
import hashlib
import io
import operator
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from station.domain.barcodes import normalize_input
from station.domain.card_record import CardRecord, NoticeType
from station.domain.messages import Msg

# --- the column set ---------------------------------------------------------------------------------

COL_MFG = "製造管理番号"
COL_NOTICE = "交付通知書番号"
COL_APP_ID = "申請書ID"
COL_NAME = "氏名（カナ）"
COL_BIRTH = "生年月日"
COL_APP_DATE = "申請日"
COL_NOTICE_TYPE = "通知種別"
COL_RENEWAL = "更新"
COL_JUKI = "住基カード"
COL_LOT = "納品ロット"

COLUMNS: tuple[str, ...] = (
    COL_MFG, COL_NOTICE, COL_APP_ID, COL_NAME, COL_BIRTH, COL_APP_DATE,
    COL_NOTICE_TYPE, COL_RENEWAL, COL_JUKI, COL_LOT,
)
# Each column's catalog word (stock.column.<key>): the Japanese is the header itself, the English its name.
COLUMN_KEY = {
    COL_MFG: "manufacturing_no", COL_NOTICE: "notice_no", COL_APP_ID: "application_id", COL_NAME: "name_kana",
    COL_BIRTH: "birth_date", COL_APP_DATE: "application_date", COL_NOTICE_TYPE: "notice_type",
    COL_RENEWAL: "renewal", COL_JUKI: "juki_card", COL_LOT: "delivery_lot",
}
# A file that carries the individual number is refused without reading that column (個人番号 is never read):
# by the column's name, normalised (NFKC, no spaces, case-folded: 「個人 番号」, 「My Number」 …), and by its
# values — an extra column of 12-digit values that pass the individual number's check digit (issue 13, Low 10).
FORBIDDEN_COLUMNS = ("個人番号", "マイナンバー", "mynumber", "individualnumber", "kojinbango", "kojinbangou")


def normalised_name(header: str) -> str:
    """A column name as compared with the forbidden ones: NFKC, every space removed, case-folded."""
    return "".join(unicodedata.normalize("NFKC", header).split()).casefold()


def is_individual_number(value: str) -> bool:
    """Twelve digits whose last is the 個人番号's check digit (番号法施行令 8条: weights 2–7, 2–6 from the right)."""
    if len(value) != 12 or not value.isdigit() or not value.isascii():
        return False
    body = value[:11]
    total = sum(int(d) * (n + 1 if n <= 6 else n - 5) for n, d in enumerate(reversed(body), start=1))
    r = total % 11
    return int(value[11]) == (0 if r <= 1 else 11 - r)

NOTICE_TYPE_TEXT = {NoticeType.NOTIFICATION_CARD: "通知カード", NoticeType.NUMBER_NOTICE: "個人番号通知書"}
_NOTICE_TYPE_IN = {v: k for k, v in NOTICE_TYPE_TEXT.items()} | {k.value: k for k in NoticeType}
_FLAG_IN = {"0": False, "1": True, "無": False, "有": True}

_NOTICE_FAST_RE = re.compile(r"([A-Z0-9]{3})-?([0-9]{6})")
_APP_ID_RE = re.compile(r"[0-9]{23}")
_LOT_RE = re.compile(r"[A-Za-z0-9_-]{1,32}")
_KANA = "[\u30a1-\u30fa\u30fb-\u30fe]+"
# Canonical: katakana parts joined by single full-width spaces.
_CANON_KANA_RE = re.compile(f"{_KANA}(?:\u3000{_KANA})*")
_NAME_MAX = 60
_DATE_SLASH_RE = re.compile(r"([0-9]{4})[/.-]([0-9]{1,2})[/.-]([0-9]{1,2})")
_DATE_COMPACT_RE = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
_ERA_KANJI_RE = re.compile(r"(明治|大正|昭和|平成|令和)(元|[0-9]{1,2})年([0-9]{1,2})月([0-9]{1,2})日")
_ERA_ABBR_RE = re.compile(r"([MTSHR])(元|[0-9]{1,2})[./-]([0-9]{1,2})[./-]([0-9]{1,2})")
# Era name → (abbreviation, first day). An era ends the day before the next one begins.
ERAS: tuple[tuple[str, str, date], ...] = (
    ("明治", "M", date(1868, 1, 25)),
    ("大正", "T", date(1912, 7, 30)),
    ("昭和", "S", date(1926, 12, 25)),
    ("平成", "H", date(1989, 1, 8)),
    ("令和", "R", date(2019, 5, 1)),
)
_ERA_BY_KEY = {name: i for i, (name, _a, _d) in enumerate(ERAS)} | {a: i for i, (_n, a, _d) in enumerate(ERAS)}

# Fast notice check digit (same algorithm as barcodes.notice_check_digit, without its input normalising;
# a test holds the two equal): letters expand to two digits, Luhn doubling from the rightmost digit.
_EXPAND = str.maketrans({chr(c): str(c - 55) for c in range(ord("A"), ord("Z") + 1)})
_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


_PREFIX_SUM: dict[str, int] = {}


def _prefix_sum(prefix: str) -> int:
    """Luhn contribution of the expanded three-character prefix, which sits left of five digits."""
    total = 0
    for i, c in enumerate(prefix.translate(_EXPAND)[::-1]):
        d = ord(c) - 48
        total += _DOUBLED[d] if (i + 5) % 2 == 0 else d
    if len(_PREFIX_SUM) < 100_000:
        _PREFIX_SUM[prefix] = total
    return total


# Indexed by the ASCII code of a digit: its Luhn value doubled (_DBL) or plain (_PLN).
_DBL = (0,) * 48 + _DOUBLED
_PLN = (0,) * 48 + tuple(range(10))


def _check_digit(prefix: str, digits: str) -> int:
    """Check digit for upper-case ``prefix`` (3 letters/digits) and the first five of ``digits``."""
    p = _PREFIX_SUM.get(prefix)
    if p is None:
        p = _prefix_sum(prefix)
    b = digits.encode("ascii")
    total = p + _DBL[b[0]] + _PLN[b[1]] + _DBL[b[2]] + _PLN[b[3]] + _DBL[b[4]]
    return (10 - total % 10) % 10


def fast_check_digit(body: str) -> str:
    """Check digit of an upper-case, hyphen-free notice body (three letters/digits + five digits)."""
    return str(_check_digit(body[:3], body[3:8]))


# --- the report --------------------------------------------------------------------------------------

def words(msg: Msg, lang: str) -> str:
    """The sentence of `msg` in `lang`; a parameter that is itself a Msg (a column's name, a date's reason)
    is put in the same language. The catalog is read here, when someone reads the words, never by the rules."""
    from station.messages import text

    return text(msg.code, lang, **{k: words(v, lang) if isinstance(v, Msg) else v for k, v in msg.params.items()})


def column_word(col: str) -> Msg:
    """A column's name as words (its Japanese header is the file's own, its English name a catalog word)."""
    return Msg.of(f"stock.column.{COLUMN_KEY[col]}")


@dataclass(frozen=True)
class RowProblem:
    """One thing wrong in the file: line 1 is the header; ``column`` is "" for the whole row or file.
    `msg` says what, as a code of station/messages/*/stock.json."""

    line: int
    column: str
    msg: Msg

    @property
    def reason_ja(self) -> str:
        return words(self.msg, "ja")

    @property
    def reason_en(self) -> str:
        return words(self.msg, "en")

    def as_dict(self) -> dict[str, object]:
        return {"line": self.line, "column": self.column, "reason_ja": self.reason_ja, "reason_en": self.reason_en}

    def text(self) -> str:
        col = f" [{self.column}]" if self.column else ""
        return f"{self.line}行目{col}: {self.reason_ja} / line {self.line}: {self.reason_en}"


@dataclass
class ImportReport:
    """The parsed file: its good records, and every problem found (any problem → import nothing)."""

    encoding: str
    file_sha256: str
    # Good rows as tuples in CardRecord's field order (fast to build and to insert); see ``records``.
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # the file line of each row, same order
    problems: list[RowProblem] = field(default_factory=list)
    row_count: int = 0  # data rows read (blank lines not counted)

    @property
    def records(self) -> list[CardRecord]:
        return [CardRecord(*row) for row in self.rows]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def bad_lines(self) -> list[int]:
        return sorted({p.line for p in self.problems})

    def add(self, line: int, column: str, code: str, /, **params: Any) -> None:
        self.problems.append(RowProblem(line, column, Msg(code, params)))

    def sort(self) -> None:
        self.problems.sort(key=lambda p: (p.line, COLUMNS.index(p.column) if p.column in COLUMNS else -1))

    def summary_ja_en(self) -> tuple[str, str]:
        msg = Msg.of("stock.csv.rejected", n=len(self.bad_lines), rows=self.row_count)
        return words(msg, "ja"), words(msg, "en")


class StockFileError(ValueError):
    """The file as a whole cannot be read (encoding, header): `msg` says why."""

    def __init__(self, code: str, **params: Any) -> None:
        self.msg = Msg(code, params)
        super().__init__(code)

    def __str__(self) -> str:
        return f"{words(self.msg, 'ja')} / {words(self.msg, 'en')}"


# --- encodings ---------------------------------------------------------------------------------------

def _looks_utf16(head: bytes) -> bool:
    """UTF-16 without a BOM: most odd (or most even) bytes NUL — unlike one stray NUL in a text file."""
    odd, even = head[1::2], head[0::2]
    return bool(head) and (odd.count(0) > len(odd) // 2 or even.count(0) > len(even) // 2)


def detect_encoding(data: bytes) -> str:
    """'utf-8-sig', 'utf-8' or 'cp932'; raises StockFileError for anything else (UTF-16, binary)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_utf16(data[:4096]):
        raise StockFileError("stock.csv.encoding_unsupported")
    nul = data.find(b"\x00")
    if nul >= 0:  # a NUL in a text file: binary or damaged, not an encoding question
        raise StockFileError("stock.csv.nul_byte", at=nul)
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        data.decode("cp932")
        return "cp932"
    except UnicodeDecodeError as e:
        raise StockFileError("stock.csv.encoding_unknown", at=e.start) from None


# --- values ------------------------------------------------------------------------------------------

class _Bad(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        self.msg = Msg(code, params)


def _ascii(v: str) -> str:
    return v if v.isascii() else unicodedata.normalize("NFKC", v)


def _mk_date(y: int, m: int, d: int) -> date:
    try:
        return date(y, m, d)
    except ValueError:
        raise _Bad("stock.csv.date_no_such") from None


def parse_date(text: str) -> date:
    """A date in any accepted format (module docstring); raises ValueError with the reason."""
    try:
        return _parse_date(text)
    except _Bad as b:
        raise ValueError(f"{words(b.msg, 'ja')} / {words(b.msg, 'en')}") from None


def _parse_date(v: str) -> date:
    if len(v) == 10 and v[4] == "-" and v[7] == "-" and v.isascii():
        try:  # fast path: ISO, what we write (fromisoformat takes ASCII digits only)
            return date.fromisoformat(v)
        except ValueError:
            pass
    v = unicodedata.normalize("NFKC", v).strip()
    m = _DATE_SLASH_RE.fullmatch(v) or _DATE_COMPACT_RE.fullmatch(v)
    if m:
        return _mk_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _ERA_KANJI_RE.fullmatch(v) or _ERA_ABBR_RE.fullmatch(v.upper())
    if m:
        i = _ERA_BY_KEY[m.group(1)]
        name, _abbr, start = ERAS[i]
        year_in_era = 1 if m.group(2) == "元" else int(m.group(2))
        if year_in_era < 1:
            raise _Bad("stock.csv.date_year_zero", era=name)
        d = _mk_date(start.year + year_in_era - 1, int(m.group(3)), int(m.group(4)))
        end = ERAS[i + 1][2] if i + 1 < len(ERAS) else None
        if d < start or (end is not None and d >= end):
            raise _Bad("stock.csv.date_outside_era", era=name)
        return d
    raise _Bad("stock.csv.date_format", examples="2026-11-02, 2026/11/2, 令和8年11月2日, R8.11.2")


def normalize_kana_name(v: str) -> str:
    """NFKC (half-width kana → full-width), parts joined by one full-width space."""
    return "\u3000".join(unicodedata.normalize("NFKC", v).split())


# --- parsing -----------------------------------------------------------------------------------------

def _csv_problem(e: csv.Error) -> str:
    """An over-long field is a problem row of its own words, anything else the csv module's own."""
    return "stock.csv.field_too_long" if "field larger than field limit" in str(e) else "stock.csv.malformed"


def parse_stock_csv(data: bytes, today: date | None = None) -> ImportReport:
    """Decode, read and validate the whole file. Never raises for bad content: see ``report.problems``.

    ``today`` (the import day, from the caller's clock) lets an application date in the future be refused.
    """
    report = ImportReport(encoding="", file_sha256=hashlib.sha256(data).hexdigest())
    try:
        report.encoding = detect_encoding(data)
    except StockFileError as e:
        report.encoding = "unknown"
        report.problems.append(RowProblem(0, "", e.msg))
        return report
    text = data.decode(report.encoding)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as e:  # a header field past the csv module's limit (131,072 characters) …
        report.add(1, "", _csv_problem(e), error=str(e))
        return report
    if header is None:
        report.add(1, "", "stock.csv.empty")
        return report
    names = [unicodedata.normalize("NFKC", h).strip() for h in header]
    wanted = {unicodedata.normalize("NFKC", c): c for c in COLUMNS}
    index: dict[str, int] = {}
    for i, n in enumerate(names):
        if any(f in normalised_name(n) for f in FORBIDDEN_COLUMNS):
            report.add(1, header[i].strip(), "stock.csv.individual_number")
            return report
        if n in wanted:
            col = wanted[n]
            if col in index:
                report.add(1, col, "stock.csv.header_duplicate")
            index[col] = i
    for col in COLUMNS:
        if col not in index:
            report.add(1, col, "stock.csv.header_missing", header=col)
    if report.problems:
        return report

    width = len(header)
    pick = operator.itemgetter(*(index[c] for c in COLUMNS))
    extra = [i for i in range(width) if i not in index.values()]
    twelve: dict[int, list[int]] = {i: [0, 0, 0] for i in extra}  # column → [non-empty, 12 digits, pass check]
    good_lots: set[str] = set()
    dates: dict[str, date] = {}  # parsed date texts (birth dates and application dates repeat a lot)
    seen_mfg: dict[str, int] = {}
    seen_notice: dict[str, int] = {}
    add = report.add
    rows = report.rows
    lines = report.lines
    try:
        for row in reader:
            line = reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            report.row_count += 1
            if len(row) != width:
                add(line, "", "stock.csv.width", n=len(row), width=width)
                continue
            for i in extra:
                v = row[i].strip()
                if v:
                    t = twelve[i]
                    t[0] += 1
                    if len(v) == 12 and v.isdigit():
                        t[1] += 1
                        t[2] += is_individual_number(v)
            vals = tuple(map(str.strip, pick(row)))
            if "" in vals:
                for col, v in zip(COLUMNS, vals, strict=True):
                    if not v:
                        add(line, col, "stock.csv.empty_value", col_name=column_word(col))
                continue
            bad = False
            mfg, notice_v, app_id, name_v, birth_v, appd_v, type_v, ren_v, juki_v, lot = vals
            # manufacturing number
            if not mfg.isascii():
                mfg = unicodedata.normalize("NFKC", mfg)
            if not (len(mfg) == 12 and mfg.isdigit() and mfg.isascii()):
                add(line, COL_MFG, "stock.csv.mfg_format")
                bad = True
            elif mfg in seen_mfg:
                add(line, COL_MFG, "stock.csv.mfg_duplicate", other=seen_mfg[mfg])
                bad = True
            else:
                seen_mfg[mfg] = line
            # notice number
            notice = notice_v.upper() if notice_v.isascii() else normalize_input(notice_v)
            m = _NOTICE_FAST_RE.fullmatch(notice)
            if m is None:
                add(line, COL_NOTICE, "stock.csv.notice_format")
                bad = True
            else:
                prefix, digits = m.groups()
                if _check_digit(prefix, digits) != _PLN[ord(digits[5])]:
                    add(line, COL_NOTICE, "stock.csv.notice_check_digit")
                    bad = True
                else:
                    notice = f"{prefix}-{digits}"
                    if notice in seen_notice:
                        add(line, COL_NOTICE, "stock.csv.notice_duplicate", other=seen_notice[notice])
                        bad = True
                    else:
                        seen_notice[notice] = line
            # application id
            if not (len(app_id) == 23 and app_id.isdigit() and app_id.isascii()):
                app_id = _ascii(app_id).replace("-", "").replace(" ", "")
                if _APP_ID_RE.fullmatch(app_id) is None:
                    add(line, COL_APP_ID, "stock.csv.app_id_format")
                    bad = True
            # name
            name = name_v if _CANON_KANA_RE.fullmatch(name_v) else normalize_kana_name(name_v)
            if len(name) > _NAME_MAX or _CANON_KANA_RE.fullmatch(name) is None:
                add(line, COL_NAME, "stock.csv.name_format", max=_NAME_MAX)
                bad = True
            # dates
            birth = dates.get(birth_v)
            if birth is None:
                try:
                    birth = dates[birth_v] = _parse_date(birth_v)
                except _Bad as b:
                    add(line, COL_BIRTH, "stock.csv.birth_date_bad", reason=b.msg)
                    bad = True
            appd = dates.get(appd_v)
            if appd is None:
                try:
                    appd = dates[appd_v] = _parse_date(appd_v)
                except _Bad as b:
                    add(line, COL_APP_DATE, "stock.csv.application_date_bad", reason=b.msg)
                    bad = True
            if appd is not None and today is not None and appd > today:
                add(line, COL_APP_DATE, "stock.csv.application_date_future")
                bad = True
            if birth is not None and appd is not None and birth > appd:
                add(line, COL_BIRTH, "stock.csv.birth_after_application")
                bad = True
            # kinds and flags
            ntype = _NOTICE_TYPE_IN.get(type_v) or _NOTICE_TYPE_IN.get(unicodedata.normalize("NFKC", type_v))
            if ntype is None:
                add(line, COL_NOTICE_TYPE, "stock.csv.notice_type", card=NOTICE_TYPE_TEXT[NoticeType.NOTIFICATION_CARD],
                    notice=NOTICE_TYPE_TEXT[NoticeType.NUMBER_NOTICE])
                bad = True
            renewal = _FLAG_IN.get(ren_v)
            if renewal is None and (renewal := _FLAG_IN.get(_ascii(ren_v))) is None:
                add(line, COL_RENEWAL, "stock.csv.renewal_flag", flags="0/1, 無/有")
                bad = True
            juki = _FLAG_IN.get(juki_v)
            if juki is None and (juki := _FLAG_IN.get(_ascii(juki_v))) is None:
                add(line, COL_JUKI, "stock.csv.juki_flag", flags="0/1, 無/有")
                bad = True
            if lot in good_lots:
                pass
            elif not lot.isascii():
                lot = unicodedata.normalize("NFKC", lot)
            if lot not in good_lots and _LOT_RE.fullmatch(lot) is None:
                add(line, COL_LOT, "stock.csv.lot_format")
                bad = True
            if bad:
                continue
            good_lots.add(lot)
            rows.append((mfg, notice, app_id, name, birth, appd, ntype, renewal, juki, lot))
            lines.append(line)
    except csv.Error as e:
        add(reader.line_num, "", _csv_problem(e), error=str(e))
    for i, (filled, digits12, passing) in twelve.items():
        if digits12 and passing == digits12 and digits12 * 2 >= filled:
            add(1, header[i].strip(), "stock.csv.individual_number_values")
            rows.clear()
            lines.clear()
    if report.row_count == 0 and not report.problems:
        add(2, "", "stock.csv.no_rows")
    report.sort()
    return report


# --- writing (samples, tests, benchmarks) ---------------------------------------------------------------

def record_row(r: CardRecord) -> list[str]:
    return [
        r.manufacturing_no, r.notice_no, r.application_id, r.name_kana or "",
        r.birth_date.isoformat() if r.birth_date else "", r.application_date.isoformat(),
        NOTICE_TYPE_TEXT[r.notice_type], "1" if r.is_renewal else "0", "1" if r.has_juki_card else "0",
        r.delivery_lot,
    ]


def write_stock_csv(records: Iterable[CardRecord], encoding: str = "utf-8", bom: bool = False) -> bytes:
    """The file as the integrated terminal would export it: header, then one row per card, CRLF."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(COLUMNS)
    w.writerows(record_row(r) for r in records)
    out = buf.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + out) if bom and encoding.replace("-", "").lower() == "utf8" else out
