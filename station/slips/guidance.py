"""Slips printed for the visitor at the counter: 持ち物案内 (what to bring next time, D-DOC-6),
電子証明書更新のご案内 (D-INS-3) and 暗証番号再設定のご案内 (D-OTH-1). Plain Japanese, no personal data
(no name, no birth date): only what the visitor must do, by when, and when the counter is open.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from drivers.receipt import Align, Feed, Receipt, Rule, Text
from station.domain.calendar import WEEKDAYS_JA, BusinessCalendar, hours_on
from station.domain.timezone import TOKYO
from station.messages import text

COLUMNS = 48  # half-width columns on 80 mm paper (Font A); a kanji takes two


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in text)


def wrap(text: str, columns: int = COLUMNS, indent: str = "") -> list[str]:
    """Break a line to the paper's width, counting a kanji as two columns; continuation lines indented."""
    lines: list[str] = []
    cur = ""
    for ch in text:
        if width(cur + ch) > columns:
            lines.append(cur)
            cur = indent + ch
        else:
            cur += ch
    if cur.strip():
        lines.append(cur)
    return lines


def jdate(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日（{WEEKDAYS_JA[d.weekday()]}）"


def hm(t: object) -> str:
    return f"{t.hour}時{t.minute:02d}分"  # type: ignore[attr-defined]


def _para(text: str, bold: bool = False) -> list[Text]:
    indent = "　" if text.startswith("　") else ""
    return [Text(line, bold=bold) for line in wrap(text, indent=indent)]


def _bullets(items: Iterable[str]) -> list[Text]:
    out: list[Text] = []
    for item in items:
        out += [Text(line) for line in wrap("・" + item, indent="　")]
    return out


def hours_lines(cal: BusinessCalendar, today: date, until: date | None = None) -> list[str]:
    """The counter's hours from the business calendar, and the holiday openings to come (D-CAL)."""
    lines = [
        f"平日 {hm(cal.open_time)}～{hm(cal.close_time)}",
        f"（第1・第3木曜日は{hm(cal.long_close_time)}まで）",
        "土曜・日曜・祝日・年末年始はお休みです",
    ]
    end = until or today + timedelta(days=92)
    upcoming = sorted(d for d in cal.holiday_openings if today < d <= end)[:3]
    if upcoming:
        lines.append(f"休日開庁日 {hm(cal.holiday_open_time)}～{hm(cal.holiday_close_time)}:")
        lines.append("　" + "、".join(f"{d.month}月{d.day}日（{WEEKDAYS_JA[d.weekday()]}）" for d in upcoming))
    nxt = next((today + timedelta(days=i) for i in range(1, 60) if hours_on(cal, today + timedelta(days=i))), None)
    if nxt is not None:
        h = hours_on(cal, nxt)
        assert h is not None
        lines.append(f"次の開庁日: {nxt.month}月{nxt.day}日（{WEEKDAYS_JA[nxt.weekday()]}）{hm(h.opens)}から")
    return lines


def _head(office: str, title: str) -> list[Text | Rule | Feed]:
    return [Text(office, align=Align.CENTER, bold=True), Text(title, width=2, height=2, align=Align.CENTER, bold=True),
            Rule()]


def _foot(now: datetime, ticket_number: str | None) -> list[Text | Rule | Feed]:
    local = now.astimezone(TOKYO)
    stamp = f"{local.month}月{local.day}日 {local:%H:%M} 発行"
    if ticket_number:
        stamp = f"受付番号 {ticket_number}　{stamp}"
    return [Rule(), Text(stamp, align=Align.RIGHT)]


def t(code: str, **params: object) -> str:
    """A case slip's words (station/messages/ja/cases.json): the slips print in Japanese."""
    return text(code, "ja", **params)


def documents_slip(office: str, cal: BusinessCalendar, now: datetime, *, missing: list[tuple[str, str]],
                   bring_also: list[str], deadline: date | None, ticket_number: str | None = None) -> Receipt:
    """持ち物案内: exactly what was missing and why, what else to bring, until when, and the hours.

    `missing` is (what, why) in plain Japanese; `bring_also` the rest of the set to bring again.
    """
    today = now.astimezone(TOKYO).date()
    els: list[Text | Rule | Feed] = _head(office, t("cases.slip.documents.title"))
    els += _para(t("cases.slip.documents.not_today"))
    els += _para(t("cases.slip.documents.come_again"))
    els.append(Feed(1))
    els.append(Text(t("cases.slip.documents.missing"), bold=True))
    for what, why in missing:
        els += [Text(line) for line in wrap("・" + what, indent="　")]
        if why:
            els += [Text(line) for line in wrap("　（" + why + "）", indent="　　")]
    if bring_also:
        els.append(Feed(1))
        els.append(Text(t("cases.slip.documents.bring_also"), bold=True))
        els += _bullets(bring_also)
    els.append(Feed(1))
    els.append(Text(t("cases.slip.documents.deadline"), bold=True))
    if deadline is not None:
        els.append(Text(t("cases.slip.documents.until", date=jdate(deadline)), bold=True))
        els += _para(t("cases.slip.documents.returned_after"))
    else:
        els += _para(t("cases.slip.documents.see_notice"))
    els.append(Feed(1))
    els.append(Text("■ 受付時間", bold=True))
    els += [Text("　" + line) for line in hours_lines(cal, today, deadline)]
    els += _foot(now, ticket_number)
    return Receipt(tuple(els))


def renewal_slip(office: str, cal: BusinessCalendar, now: datetime, *, expires_on: date | None,
                 days_left: int | None, ticket_number: str | None = None, expired: bool = False) -> Receipt:
    """電子証明書更新のご案内 (D-INS-3): the certificate expires within three months (or has expired)."""
    today = now.astimezone(TOKYO).date()
    els: list[Text | Rule | Feed] = _head(office, t("cases.slip.renewal.title"))
    if expired and expires_on:
        els += _para(t("cases.slip.renewal.expired", date=jdate(expires_on)))
    elif expires_on:
        els += _para(t("cases.slip.renewal.expires_in", date=jdate(expires_on), days=days_left) if days_left is not None
                     else t("cases.slip.renewal.expires", date=jdate(expires_on)))
    els += _para(t("cases.slip.renewal.why"))
    els += _para(t("cases.slip.renewal.when"))
    els.append(Feed(1))
    els.append(Text("■ お持ちいただくもの", bold=True))
    els += _bullets([t("cases.slip.item.card"), t("cases.slip.item.pins")])
    els.append(Feed(1))
    els.append(Text("■ 受付時間", bold=True))
    els += [Text("　" + line) for line in hours_lines(cal, today)]
    els += _foot(now, ticket_number)
    return Receipt(tuple(els))


PIN_KINDS = ("auth", "assist", "sign")


def pin_reset_slip(office: str, cal: BusinessCalendar, now: datetime, *, locked: list[str],
                   ticket_number: str | None = None) -> Receipt:
    """暗証番号再設定のご案内 (D-OTH-1): which PINs are locked and how to reset them."""
    today = now.astimezone(TOKYO).date()
    els: list[Text | Rule | Feed] = _head(office, t("cases.slip.pin_reset.title"))
    els += _para(t("cases.slip.pin_reset.locked"))
    els += _bullets(t(f"cases.slip.pin.{p}") if p in PIN_KINDS else p for p in locked)
    els.append(Feed(1))
    els += _para(t("cases.slip.pin_reset.needed"))
    els += _para(t("cases.slip.pin_reset.here"))
    els.append(Feed(1))
    els.append(Text("■ お持ちいただくもの", bold=True))
    els += _bullets([t("cases.slip.item.card"), t("cases.slip.item.id")])
    els.append(Feed(1))
    els.append(Text("■ 受付時間", bold=True))
    els += [Text("　" + line) for line in hours_lines(cal, today)]
    els += _foot(now, ticket_number)
    return Receipt(tuple(els))
