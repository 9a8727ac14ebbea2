"""The phone desk (電話対応業務, seed 別紙1, DOMAIN.md D-TEL). Pure: no I/O, no clock.

The ten inquiry categories ①–⑩ exactly as the seed lists them; the keys a clerk presses (1–9, 0 for ⑩);
the three escalations to city staff (D-TEL-2 complaint, D-TEL-3 preprint request, D-TEL-4 notice not
arrived long after applying); and the rules a phone reception slip (電話受付票) must satisfy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from station.domain.calendar import BusinessCalendar, hours_on
from station.domain.messages import Msg
from station.domain.timezone import TOKYO

CONTENT_MAX = 300
RESPONSE_MAX = 300
CALLER_NAME_MAX = 40
CALLER_PHONE_MAX = 20


@dataclass(frozen=True)
class PhoneCategory:
    code: int  # 1..10
    key: str  # the key that picks it: "1".."9", "0" for ⑩
    mark: str  # ①..⑩
    ja: str  # the seed's wording
    short_ja: str
    en: str


CATEGORIES: tuple[PhoneCategory, ...] = (
    PhoneCategory(1, "1", "①", "マイナンバーカードの申請方法に関する問い合わせ対応", "申請方法",
                  "how to apply for the card"),
    PhoneCategory(2, "2", "②", "マイナンバーカードの受取方法に関する問い合わせ対応", "受取方法",
                  "how to receive the card"),
    PhoneCategory(3, "3", "③", "マイナンバーカードの休日・時間外窓口予約に関する問い合わせ対応", "休日・時間外予約",
                  "holiday / after-hours counter reservations"),
    PhoneCategory(4, "4", "④", "マイナンバーカード交付通知書の不着等の問い合わせ対応", "交付通知書の不着",
                  "issuance notice not arrived"),
    PhoneCategory(5, "5", "⑤", "マイナンバーカードに関するその他手続き全般の問い合わせ対応", "その他の手続き",
                  "other card procedures"),
    PhoneCategory(6, "6", "⑥", "健康保険証連携・公金受取口座登録等についての問い合わせ対応", "保険証連携・公金口座",
                  "health-insurance link / public-funds account"),
    PhoneCategory(7, "7", "⑦", "マイナポータル等の国のオンラインサービスについての問い合わせへの対応",
                  "マイナポータル等", "the state's online services (Mynaportal)"),
    PhoneCategory(8, "8", "⑧", "その他、マイナンバーカード及び関連する施策に関する問い合わせへの対応", "関連施策",
                  "other card-related policy"),
    PhoneCategory(9, "9", "⑨", "市オンライン申請サービスについての問い合わせへの対応", "市オンライン申請",
                  "the city's online application service"),
    PhoneCategory(10, "0", "⑩", "上記の苦情への対応", "苦情", "complaints about the above"),
)
BY_CODE = {c.code: c for c in CATEGORIES}
BY_KEY = {c.key: c for c in CATEGORIES}
NOTICE_NOT_ARRIVED = 4
COMPLAINT = 10


@dataclass(frozen=True)
class Escalation:
    code: str  # also the handover reason in the procedures catalog
    ja: str
    en: str
    rule: str


ESCALATIONS: tuple[Escalation, ...] = (
    Escalation("complaint", "苦情（本市による対応が必要）", "complaint the city must handle", "D-TEL-2"),
    Escalation("preprint", "申請書再発行（プレプリント）の依頼", "application form reissue (preprint)", "D-TEL-3"),
    Escalation("notice_not_arrived", "交付通知書の不着（申請から1か月以上）",
               "notice not arrived over a month after applying", "D-TEL-4"),
)
ESCALATION_BY_CODE = {e.code: e for e in ESCALATIONS}


@dataclass(frozen=True)
class Problem:
    """What is wrong with one field of a slip, as a code of station/messages/*/phone.json."""

    field: str
    msg: Msg


def category_for_key(key: str) -> PhoneCategory | None:
    """The category a number key picks (1–9, 0 = ⑩)."""
    return BY_KEY.get(key)


def is_stale(application_date: date, today: date, stale_days: int) -> bool:
    """More than about a month since the application (D-TEL-4: probably an error somewhere)."""
    return (today - application_date).days > stale_days


def check_slip(category: int, content: str | None, response: str | None, escalation: str | None,
               caller_name: str | None, caller_phone: str | None) -> list[Problem]:
    """What is wrong with a phone reception slip (empty list: it may be saved).

    - a category ①–⑩ is always needed; content and response may be left out for a trivial question (D-TEL-1);
    - caller details are taken only when escalating (the minimum: a name and a number to call back, D-TEL-2),
      and refused otherwise (D-ALL-2: nothing personal without need);
    - an escalation needs content (what city staff are to handle)."""
    out: list[Problem] = []
    if category not in BY_CODE:
        out.append(Problem("category", Msg.of("phone.slip.category")))
    for name, value, limit in (("content", content, CONTENT_MAX), ("response", response, RESPONSE_MAX),
                               ("caller_name", caller_name, CALLER_NAME_MAX),
                               ("caller_phone", caller_phone, CALLER_PHONE_MAX)):
        if value is not None and len(value) > limit:
            out.append(Problem(name, Msg.of("phone.slip.too_long", limit=limit)))
    if escalation is None:
        if caller_name or caller_phone:
            out.append(Problem("caller", Msg.of("phone.slip.caller_not_kept")))
        return out
    if escalation not in ESCALATION_BY_CODE:
        out.append(Problem("escalation", Msg.of("phone.slip.escalation_unknown", known=", ".join(ESCALATION_BY_CODE))))
        return out
    if not (caller_name or "").strip():
        out.append(Problem("caller_name", Msg.of("phone.slip.caller_name_needed")))
    if not (caller_phone or "").strip():
        out.append(Problem("caller_phone", Msg.of("phone.slip.caller_phone_needed")))
    elif not all(ch.isdigit() or ch in "-()+ 　" for ch in caller_phone or ""):
        out.append(Problem("caller_phone", Msg.of("phone.slip.caller_phone_format")))
    if not (content or "").strip():
        out.append(Problem("content", Msg.of("phone.slip.content_needed")))
    return out



# D-CAL-3: one line, normal open days only, about this many calls a day at most.
DESK_CALLS_PER_DAY = 30


def desk_open(cal: BusinessCalendar, at: datetime) -> bool:
    """The phone desk answers on normal open days (not 休日開庁日) between the normal opening and closing
    times (08:30–17:00; a long Thursday's counter hours do not extend it) (D-CAL-3)."""
    local = at.astimezone(TOKYO)
    h = hours_on(cal, local.date())
    if h is None or h.holiday_opening:
        return False
    return cal.open_time <= local.time() < cal.close_time
