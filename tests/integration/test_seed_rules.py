"""Issue 12, the seed deviations corrected: national holidays computed (not a list that ends in 2027), the
year-end closure as a rule, the phone desk's hours and daily count (D-CAL-3), D-TEL-4 as one rule with one
answer, and D-INS-3's `renew_within_months` read from the catalog."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from drivers.cardreader import CardInfo, PinState
from station.app import Station
from station.config_files import load_calendar
from station.domain import phone as phone_rules
from station.domain.calendar import hours_on
from station.domain.certificate import CertState, card_verdict
from station.domain.timezone import TOKYO
from station.services.audit import Actor
from tests.conftest import EXAMPLE_CONFIG
from tests.support.backoffice_day import CARDS, load_stock

CLERK = Actor("phone-clerk")
CAL = load_calendar(EXAMPLE_CONFIG.parent / "calendar.toml")


def test_national_holidays_are_computed_for_any_year() -> None:
    for d in (dt.date(2028, 1, 10), dt.date(2028, 5, 3), dt.date(2031, 11, 3), dt.date(2026, 11, 23),
              dt.date(2029, 2, 12)):  # 成人の日, 憲法記念日, 文化の日, 勤労感謝の日, a 振替休日
        assert hours_on(CAL, d) is None, d
    assert hours_on(CAL, dt.date(2028, 1, 11)) is not None  # an ordinary Tuesday


def test_year_end_closure_is_a_rule() -> None:
    for year in (2026, 2030):
        for d in (dt.date(year, 12, 29), dt.date(year, 12, 30), dt.date(year + 1, 1, 2)):
            assert hours_on(CAL, d) is None, d
    assert hours_on(CAL, dt.date(2030, 12, 27)) is not None  # Friday before the closure


def test_the_file_keeps_exceptions_and_holiday_openings(tmp_path: Path) -> None:
    f = tmp_path / "calendar.toml"
    f.write_text("closed = [2028-06-14]\nholiday_openings = [2028-05-03]\n", encoding="utf-8")
    cal = load_calendar(f)
    assert hours_on(cal, dt.date(2028, 6, 14)) is None  # an extra closed day
    h = hours_on(cal, dt.date(2028, 5, 3))  # 休日開庁日 on a national holiday
    assert h is not None and h.holiday_opening


def test_admin_can_open_a_rule_closed_day(station: Station) -> None:
    day = dt.date(2026, 12, 29)
    assert hours_on(station.calendar, day) is None
    station.admin.set_day(day, "normal", "臨時開庁", Actor("admin"))
    assert hours_on(station.queue.calendar, day) is not None


def test_phone_desk_hours_and_count(station: Station) -> None:
    station.clock.set(dt.datetime(2026, 12, 1, 10, 0, tzinfo=TOKYO))
    station.phone.record(1, CLERK)
    d = station.phone.desk()
    assert d.open and d.calls_today == 1 and d.capacity == 30
    assert d.message_ja == "電話受付中（08:30～17:00）　本日 1件 / 目安 30件（1回線）"
    station.clock.set(dt.datetime(2026, 12, 3, 18, 0, tzinfo=TOKYO))  # a long Thursday: counter open, desk not
    assert not station.phone.desk().open
    call = station.phone.record(1, CLERK)  # still saved, marked
    assert call.outside_hours and "時間外" in station.phone.desk().message_ja
    assert not phone_rules.desk_open(station.calendar, dt.datetime(2026, 12, 13, 10, 0, tzinfo=TOKYO))  # 休日開庁日


def test_d_tel_4_one_rule_one_answer(station: Station) -> None:
    load_stock(station)
    station.clock.set(dt.datetime(2026, 12, 1, 10, 0, tzinfo=TOKYO))
    # applied 42 days ago, the notice mailed: the lookup says not stale, and saving agrees
    ok = station.phone.lookup(CARDS[0].notice_no)
    assert ok.found and ok.notice_mailed and not ok.stale and ok.days_since_application > 30
    call = station.phone.record(4, CLERK, content="届かない", lookup_ref=CARDS[0].notice_no)
    assert not call.stale
    # the same threshold in both rules: 30 days is not "more than 30 days"
    day = dt.date(2026, 12, 1)
    from station.domain import stock as stock_rules

    for applied in (dt.date(2026, 11, 1), dt.date(2026, 10, 31)):
        assert phone_rules.is_stale(applied, day, 30) == stock_rules.is_stale_application(
            "inspected", applied, day, 30)


def test_renew_within_months_comes_from_the_catalog(station: Station) -> None:
    info = CardInfo(card_present=True, is_my_number_card=True, cert_not_after=dt.datetime(2027, 3, 15, tzinfo=TOKYO),
                    auth_pin=PinState(3, False), sign_pin=PinState(5, False), assist_pin=PinState(3, False))
    today = dt.date(2026, 12, 1)
    assert card_verdict(info, today).cert_state is CertState.VALID  # 3 months: until 2027-03-01
    assert card_verdict(info, today, 4).cert_state is CertState.RENEW_SOON
    assert station.devices.renew_within_months == station.cases.catalog.rules.renew_within_months == 3


def test_d_doc_6_the_id_is_returned_after_the_staff_check(station: Station) -> None:
    from station.domain.barcodes import make_notice_number
    from station.services.card_lookup import MemoryCardLookup
    from station.services.errors import Conflict
    from tests.integration.test_cases_service import record

    station.cases.lookup = MemoryCardLookup([record(1)])
    cid = station.cases.open(1, Actor("clerk1"), procedure="issuance").id
    station.cases.scan_notice(cid, make_notice_number("CAS", 1), Actor("clerk1"))
    station.cases.present_all(cid, Actor("clerk1"))
    try:
        station.cases.tick(cid, "id_returned", Actor("clerk1"))
        raise AssertionError("returned before the city staff checked it")
    except Conflict as e:
        assert "本市職員" in e.message_ja or "確認" in e.message_ja
    station.cases.staff_check(cid, Actor("city1"))
    c = station.cases.tick(cid, "id_returned", Actor("clerk1"))
    [h] = [x for x in c.history if x["step"] == "id_returned"]
    assert h["actor"] == "clerk1"
    assert c.next_step == "juki_check"  # outside the clerk's key path: the order goes on as before
