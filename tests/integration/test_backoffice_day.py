"""A scripted day (tests/support/backoffice_day.py) on SQLite and PostgreSQL gives exactly the expected
counts in the daily report and its CSV; the end-of-day handover then purges every name, birth date and word
said from the whole database while the counts stay the same (D-ALL-1, D-BO-6, D-ALL-2)."""

from __future__ import annotations

import csv
import io
import math

from sqlalchemy import text

from station.app import Station
from station.services.errors import Conflict
from tests.support.backoffice_day import CARDS, CLERK, DAY, NOTES, SECRET, run_day


def nearest_rank(xs: list[float], p: float) -> float | None:
    if not xs:
        return None
    ys = sorted(xs)
    return float(ys[max(1, math.ceil(p * len(ys))) - 1])


def dump(st: Station) -> str:
    """Everything the database holds, as text: SQLite's iterdump, or every row of every table on PostgreSQL."""
    if st.engine.dialect.name == "sqlite":
        raw = st.engine.raw_connection()
        try:
            return "\n".join(raw.driver_connection.iterdump())  # type: ignore[union-attr]
        finally:
            raw.close()
    out = []
    with st.engine.connect() as c:
        tables = [r[0] for r in c.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))]
        for t in tables:
            out += [r[0] for r in c.execute(text(f'SELECT CAST(x AS text) FROM "{t}" x'))]
    return "\n".join(out)


def rows_of(csv_text: str) -> dict[tuple[str, str, str], str]:
    rows = list(csv.reader(io.StringIO(csv_text)))
    assert rows[0] == ["section", "key", "label", "metric", "value"]
    return {(r[0], r[1], r[3]): r[4] for r in rows[1:]}


def test_scripted_day_report_and_csv(any_station: Station) -> None:
    st = any_station
    day = run_day(st)
    assert day.stale_refused  # D-TEL-4: over a month and not mailed could not be saved without handing over
    r = st.reports.daily(DAY)

    # tickets: 10 issued, 9 served, 1 cancelled while waiting
    t = r["tickets"]
    assert t["total"] == 10
    by_cat = {c["category"]: c for c in t["by_category"]}
    assert {k: (c["issued"], c["done"], c["cancelled"], c["waiting"]) for k, c in by_cat.items()} == {
        "A": (4, 3, 1, 0), "B": (2, 2, 0, 0), "C": (2, 2, 0, 0), "D": (2, 2, 0, 0)}
    for cat, c in by_cat.items():
        assert c["wait"] == {"n": len(day.waits[cat]), "median_min": nearest_rank(day.waits[cat], .5),
                             "p90_min": nearest_rank(day.waits[cat], .9)}, cat
        assert c["service"] == {"n": len(day.services[cat]), "median_min": nearest_rank(day.services[cat], .5),
                                "p90_min": nearest_rank(day.services[cat], .9)}, cat
    assert by_cat["A"]["wait"] == {"n": 3, "median_min": 10.0, "p90_min": 15.0}  # waits 4, 15, 10 minutes
    all_waits = [w for ws in day.waits.values() for w in ws]
    assert t["wait"]["median_min"] == nearest_rank(all_waits, .5) and t["wait"]["n"] == 9
    hours = {h["hour"]: h for h in t["by_hour"]}
    assert set(hours) == {9, 10}
    for hour, ws in day.wait_hours.items():
        assert hours[hour]["wait"]["n"] == len(ws) and hours[hour]["wait"]["p90_min"] == nearest_rank(ws, .9)

    # cases by procedure and outcome (the phone desk's handovers are reported under the phone desk)
    procs = {p["procedure"]: {o["outcome"]: o["count"] for o in p["outcomes"]} for p in r["cases"]["by_procedure"]}
    assert procs == {
        "issuance": {"issued": 1, "returned_documents": 1, "cancelled": 1},
        "insurance": {"applied": 1, "renewal_first": 1},
        "cert_renewal": {"done": 1}, "pin_reset": {"done": 1}, "card_cancel": {"done": 1},
        "card_change": {"handed_over": 1}, "preprint": {"handed_over": 1},
        "application_support": {"online": 1}, "inquiry": {"answered": 1},
    }
    assert r["cases"]["total"] == 12 and r["cases"]["open"] == 0
    assert {c["key"]: c["count"] for c in r["cases"]["counts"]} == {
        "issued": 1, "issued_renewals": 0, "returned_documents": 1, "documents_slips": 1, "renewal_guidance": 1,
        "pin_reset_guidance": 0, "insurance_applications": 1, "public_funds_registrations": 1}
    assert (r["insurance_applications"], r["public_funds_registrations"], r["renewal_guidance"]) == (1, 1, 1)
    assert {c["kind"]: c["count"] for c in r["cases"]["collected"]} == {
        "notice": 1, "notification_card": 1, "check_sheet": 1, "receipt_copy": 1, "current_card": 1}

    # phone calls by category ①–⑩, trivial ones, escalations
    ph = r["phone"]
    assert [c["count"] for c in ph["by_category"]] == [3, 1, 1, 2, 0, 1, 0, 0, 1, 1]
    assert (ph["total"], ph["trivial"], ph["stale_notice"]) == (10, 3, 1)
    assert ph["escalations"] == {"complaint": 1, "preprint": 1, "notice_not_arrived": 1}
    e = r["escalations"]
    assert (e["total"], e["from_counter"], e["from_phone"]) == (5, 2, 3)
    assert {x["reason"]: x["count"] for x in e["by_reason"]} == {
        "card_change": 1, "preprint": 2, "complaint": 1, "notice_not_arrived": 1}
    assert r["day"] is None

    # the CSV says the same
    rows = rows_of(st.reports.csv_text(DAY))
    assert rows[("tickets", "total", "issued")] == "10"
    assert rows[("tickets", "A", "cancelled")] == "1"
    assert rows[("wait_time", "A", "median_min")] == "10.0" and rows[("wait_time", "A", "p90_min")] == "15.0"
    assert rows[("service_time", "D", "n")] == "2"
    assert rows[("cases", "total", "count")] == "12"
    assert rows[("cases", "issuance", "returned_documents")] == "1"
    assert rows[("cases", "insurance", "renewal_first")] == "1"
    assert rows[("handling", "insurance_applications", "count")] == "1"
    assert rows[("handling", "public_funds_registrations", "count")] == "1"
    assert rows[("handling", "renewal_guidance", "count")] == "1"
    assert rows[("phone", "total", "count")] == "10" and rows[("phone", "1", "count")] == "3"
    assert rows[("phone", "10", "count")] == "1" and rows[("phone", "trivial", "count")] == "3"
    assert rows[("phone_escalations", "notice_not_arrived", "count")] == "1"
    assert rows[("escalations", "total", "count")] == "5" and rows[("escalations", "from_phone", "count")] == "3"
    assert rows[("collected", "current_card", "count")] == "1"
    assert rows[("wait_time_by_hour", "09", "n")] == str(len(day.wait_hours[9]))


def test_end_of_day_handover_purges_personal_data(any_station: Station) -> None:
    st = any_station
    day = run_day(st)
    before = st.reports.daily(DAY)
    check = st.end_of_day.checklist(DAY)
    assert {c["kind"]: c["count"] for c in check["counts"]} == {
        "notice": 1, "notification_card": 1, "check_sheet": 1, "receipt_copy": 1, "current_card": 1}
    assert check["total_items"] == 5 and len(check["cases"]) == 2 and check["open_cases"] == 0
    assert [i["kind"] for i in check["cases"][0]["items"]] == ["notice", "notification_card", "check_sheet",
                                                               "receipt_copy"]
    # before the handover, the day's personal data is all there
    whole = dump(st)
    assert SECRET in whole and CARDS[0].name_kana in whole and CARDS[0].birth_date.isoformat() in whole  # type: ignore[operator, union-attr]

    st.followup.receive(DAY, {c["kind"]: c["count"] for c in check["counts"]}, "", CLERK)  # staff receipt (issue 14)
    closed = st.end_of_day.close_day(DAY, CLERK)
    assert closed["closed_by"] == CLERK.name and closed["collected"]["notice"] == 1
    assert closed["purged_cards"] == 1 and closed["purged_calls"] == 7  # the escalated three went at handover close
    try:
        st.end_of_day.close_day(DAY, CLERK)
        raise AssertionError("a day closes once")
    except Conflict:
        pass

    whole = dump(st)
    for name in day.used_names:
        assert name not in whole, name
    for born in day.used_birth_dates:
        assert born not in whole, born
    for note in NOTES:
        assert note not in whole
    assert SECRET not in whole  # nothing a caller said, no handover note
    for n, phone in (("デンワ", "090-1111-2222"), ("", "080-3333-4444"), ("", "070-5555-6666")):
        assert phone not in whole and (not n or n not in whole)
    # cards still waiting for their holder keep the name the counter needs to hand them over
    for name in day.kept_names:
        assert name in whole

    after = st.reports.daily(DAY)
    for k in ("day", "generated_at"):
        before.pop(k)
        assert after.pop(k) is not None or k == "generated_at"
    assert after == before  # the counts survive the purge
    audit = [r for r in whole.splitlines() if "day.close" in r]
    assert audit and all(SECRET not in r for r in audit)


def test_report_of_an_empty_day_and_cases_purge_hook_is_additive(station: Station) -> None:
    """No data: every count is zero, medians are empty; the phone desk adds its handover reasons once."""
    r = station.reports.daily(DAY)
    assert r["tickets"]["total"] == 0 and r["tickets"]["wait"] == {"n": 0, "median_min": None, "p90_min": None}
    assert r["phone"]["total"] == 0 and r["escalations"]["total"] == 0 and r["tickets"]["by_hour"] == []
    codes = [x.code for x in station.cases.catalog.handover_reasons]
    assert codes.count("notice_not_arrived") == 1 and codes.count("complaint") == 1
    assert len(station.cases.purge_hooks) == 1
