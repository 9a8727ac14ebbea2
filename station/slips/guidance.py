"""Slips printed for the visitor at the counter: 持ち物案内 (what to bring next time, D-DOC-6),
電子証明書更新のご案内 (D-INS-3) and 暗証番号再設定のご案内 (D-OTH-1). Plain Japanese, no personal data
(no name, no birth date): only what the visitor must do, by when, when the counter is open (today's
remaining hours first) and how to reach the office.

Every paragraph is wrapped by `station.slips.wrap` (BudouX phrases and 禁則), so no word, date or time is
split across lines and no line starts with a closing mark; the words are the visitor's (`slips.*`,
`cases.slip.*`), never the clerk's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from drivers.receipt import Align, Feed, Receipt, Rule, Text
from station.domain.calendar import WEEKDAYS_JA, BusinessCalendar, hours_on
from station.domain.timezone import TOKYO
from station.messages import text
from station.slips.wrap import wrap as wrap_columns

COLUMNS = 48  # half-width columns on 80 mm paper (Font A); a kanji takes two
TITLE_COLUMNS = COLUMNS // 2  # a double-width title: 12 kanji to the line

Element = Text | Rule | Feed


@dataclass(frozen=True)
class Office:
    """Who printed the slip and how the visitor reaches them (station.toml [office])."""

    name: str
    address: str = ""
    phone: str = ""
    cutoff_minutes: int = 0  # the dispenser stops this long before closing


def wrap(s: str, columns: int = COLUMNS, indent: str = "") -> list[str]:
    return wrap_columns(s, columns, indent)


def jdate(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日（{WEEKDAYS_JA[d.weekday()]}）"


def mdate(d: date) -> str:
    return f"{d.month}月{d.day}日（{WEEKDAYS_JA[d.weekday()]}）"


def hm(t: time | datetime) -> str:
    return f"{t.hour}時{t.minute:02d}分"


def t(code: str, **params: object) -> str:
    """A slip's words: the slips print in Japanese."""
    return text(code, "ja", **params)


def _para(s: str, bold: bool = False, indent: str = "") -> list[Element]:
    lead = "　" if s.startswith("　") else ""
    return [Text(line, bold=bold) for line in wrap(s, indent=indent or lead)]


def _bullets(items: Iterable[str]) -> list[Element]:
    out: list[Element] = []
    for item in items:
        out += [Text(line) for line in wrap("・" + item, indent="　")]
    return out


def hours_lines(cal: BusinessCalendar, now: datetime, until: date | None = None,
                cutoff_minutes: int = 0) -> list[str]:
    """When the visitor can come: today's remaining hours first (or the next opening), then the week's
    hours and the holiday openings to come (D-CAL). Each entry is one paragraph, wrapped later."""
    local = now.astimezone(TOKYO)
    today = local.date()
    lines: list[str] = []
    h = hours_on(cal, today)
    if h is not None and local < h.closes_at():
        if local < h.opens_at():
            lines.append(t("slips.hours.today_from", date=mdate(today), opens=hm(h.opens), closes=hm(h.closes)))
        else:
            lines.append(t("slips.hours.today_until", date=mdate(today), time=hm(h.closes)))
        stop = h.closes_at() - timedelta(minutes=cutoff_minutes)
        if cutoff_minutes and local < stop:
            lines.append(t("slips.hours.ticket_cutoff", time=hm(stop)))
    else:
        nxt = next((today + timedelta(days=i) for i in range(1, 60) if hours_on(cal, today + timedelta(days=i))),
                   None)
        if nxt is not None:
            nh = hours_on(cal, nxt)
            assert nh is not None
            lines.append(t("slips.hours.next_open", date=mdate(nxt), time=hm(nh.opens)))
    lines.append(t("slips.hours.weekdays", opens=hm(cal.open_time), closes=hm(cal.close_time)))
    lines.append(t("slips.hours.long_thursday", time=hm(cal.long_close_time)))
    lines.append(t("slips.hours.closed_days"))
    end = until or today + timedelta(days=92)
    upcoming = sorted(d for d in cal.holiday_openings if today < d <= end)[:3]
    if upcoming:
        lines.append(t("slips.hours.holiday_openings", opens=hm(cal.holiday_open_time),
                       closes=hm(cal.holiday_close_time)))
        lines.append("　" + "、".join(mdate(d) for d in upcoming))
    return lines


def _hours(cal: BusinessCalendar, now: datetime, office: Office, until: date | None = None) -> list[Element]:
    els: list[Element] = [Feed(1), Text(t("slips.hours.heading"), bold=True)]
    for line in hours_lines(cal, now, until, office.cutoff_minutes):
        els += [Text(x) for x in wrap(line if line.startswith("　") else "　" + line, indent="　")]
    if office.address or office.phone:
        els += [Feed(1), Text(t("slips.contact.heading"), bold=True)]
        if office.address:
            els += [Text(x) for x in wrap("　" + t("slips.contact.address", address=office.address), indent="　")]
        if office.phone:
            els += [Text(x) for x in wrap("　" + t("slips.contact.phone", phone=office.phone, opens=hm(cal.open_time),
                                                  closes=hm(cal.close_time)), indent="　")]
    return els


def _head(office: Office, title: str) -> list[Element]:
    els: list[Element] = [Text(line, align=Align.CENTER, bold=True) for line in wrap(office.name)]
    els += [Text(line, width=2, height=2, align=Align.CENTER, bold=True) for line in wrap(title, TITLE_COLUMNS)]
    return [*els, Rule()]


def _foot(now: datetime, ticket_number: str | None) -> list[Element]:
    local = now.astimezone(TOKYO)
    stamp = t("slips.stamp", month=local.month, day=local.day, time=f"{local:%H:%M}")
    if ticket_number:
        stamp = t("slips.stamp_ticket", number=ticket_number, stamp=stamp)
    return [Rule(), Text(stamp, align=Align.RIGHT)]


def documents_slip(office: Office, cal: BusinessCalendar, now: datetime, *, missing: list[tuple[str, str]],
                   bring_also: list[str], deadline: date | None, ticket_number: str | None = None) -> Receipt:
    """持ち物案内: exactly what was missing and why, what else to bring, until when, and the hours.

    `missing` is (what, why) in the visitor's words; `bring_also` the rest of the set to bring again.
    """
    els: list[Element] = _head(office, t("cases.slip.documents.title"))
    els += _para(t("cases.slip.documents.not_today"))
    els += _para(t("cases.slip.documents.come_again"))
    els.append(Feed(1))
    els.append(Text(t("cases.slip.documents.missing"), bold=True))
    for what, why in missing:
        els += [Text(line) for line in wrap("・" + what, indent="　")]
        if why:
            els += [Text(line) for line in wrap("　" + why, indent="　")]
    if bring_also:
        els.append(Feed(1))
        els.append(Text(t("cases.slip.documents.bring_also"), bold=True))
        els += _bullets(bring_also)
    els.append(Feed(1))
    els.append(Text(t("cases.slip.documents.deadline"), bold=True))
    if deadline is not None:
        els.append(Text(t("cases.slip.documents.until", date=jdate(deadline)), bold=True))
        els += _para(t("cases.slip.documents.returned_after"), indent="　")
    else:
        els += _para(t("cases.slip.documents.see_notice"), indent="　")
    els += _hours(cal, now, office, deadline)
    els += _foot(now, ticket_number)
    return Receipt(tuple(els))


def renewal_slip(office: Office, cal: BusinessCalendar, now: datetime, *, expires_on: date | None,
                 days_left: int | None, ticket_number: str | None = None, expired: bool = False,
                 within_months: int = 3) -> Receipt:
    """電子証明書更新のご案内 (D-INS-3): the certificate expires within three months (or has expired)."""
    els: list[Element] = _head(office, t("cases.slip.renewal.title"))
    if expired and expires_on:
        els += _para(t("cases.slip.renewal.expired", date=jdate(expires_on)))
    elif expires_on:
        els += _para(t("cases.slip.renewal.expires_in", date=jdate(expires_on), days=days_left) if days_left is not None
                     else t("cases.slip.renewal.expires", date=jdate(expires_on)))
    els += _para(t("cases.slip.renewal.why"))
    els += _para(t("slips.renewal.when", months=within_months))
    els.append(Feed(1))
    els.append(Text(t("slips.bring.heading"), bold=True))
    els += _bullets([t("cases.slip.item.card"), t("cases.slip.item.pins")])
    els += _hours(cal, now, office)
    els += _foot(now, ticket_number)
    return Receipt(tuple(els))


PIN_KINDS = ("auth", "assist", "sign")


def pin_reset_slip(office: Office, cal: BusinessCalendar, now: datetime, *, locked: list[str],
                   ticket_number: str | None = None) -> Receipt:
    """暗証番号再設定のご案内 (D-OTH-1): which PINs are locked and how to reset them."""
    els: list[Element] = _head(office, t("cases.slip.pin_reset.title"))
    els += _para(t("cases.slip.pin_reset.locked"))
    els += _bullets(t(f"cases.slip.pin.{p}") for p in locked if p in PIN_KINDS)
    els.append(Feed(1))
    els += _para(t("cases.slip.pin_reset.needed"))
    els += _para(t("cases.slip.pin_reset.here"))
    els.append(Feed(1))
    els.append(Text(t("slips.bring.heading"), bold=True))
    els += _bullets([t("cases.slip.item.card"), t("cases.slip.item.id")])
    els += _hours(cal, now, office)
    els += _foot(now, ticket_number)
    return Receipt(tuple(els))
