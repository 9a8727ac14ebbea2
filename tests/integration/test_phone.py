"""The phone desk (D-TEL) on SQLite and PostgreSQL: slips, the D-TEL-4 lookup and its rule, escalations in
the city-staff handover queue, the purge when the handover closes (D-ALL-2), counts; then the JSON API."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from station.app import Station
from station.domain import phone as rules
from station.domain.barcodes import make_notice_number
from station.services.audit import Actor
from station.services.errors import Conflict, Invalid
from station.store.models import AuditEntry
from station.store.models_cases import Case, Handover
from station.store.models_phone import PhoneCall
from tests.support.backoffice_day import CARDS, load_stock
from web.app import create_app

CLERK = Actor("phone-clerk")
STAFF = Actor("city")


def test_categories_are_the_seeds_ten_with_number_keys() -> None:
    assert [c.mark for c in rules.CATEGORIES] == list("①②③④⑤⑥⑦⑧⑨⑩")
    assert [c.key for c in rules.CATEGORIES] == list("1234567890")
    assert rules.BY_CODE[4].ja == "マイナンバーカード交付通知書の不着等の問い合わせ対応"
    assert rules.BY_CODE[10].ja == "上記の苦情への対応" and rules.category_for_key("0").code == 10  # type: ignore[union-attr]
    assert rules.category_for_key("x") is None
    assert rules.check_slip(1, None, None, None, None, None) == []  # a trivial question: category only
    assert [p.field for p in rules.check_slip(11, None, None, None, None, None)] == ["category"]
    assert [p.field for p in rules.check_slip(1, "q", None, None, "ナマエ", None)] == ["caller"]
    assert {p.field for p in rules.check_slip(10, None, None, "complaint", None, "abc")} == {
        "caller_name", "caller_phone", "content"}
    assert rules.is_stale(dt.date(2026, 10, 31), dt.date(2026, 12, 1), 30)
    assert not rules.is_stale(dt.date(2026, 11, 1), dt.date(2026, 12, 1), 30)


def test_slips_escalations_lookup_purge_counts(any_station: Station) -> None:
    st = any_station
    load_stock(st)
    st.clock.set(dt.datetime(2026, 12, 1, 10, 0, tzinfo=st.clock.now().tzinfo))
    trivial = st.phone.record(7, CLERK)
    assert trivial.trivial and trivial.content is None and trivial.escalation is None
    full = st.phone.record(2, CLERK, content="  受取の持ち物  ", response="通知書と本人確認書類")
    assert not full.trivial and full.content == "受取の持ち物"
    with pytest.raises(Invalid) as e:
        st.phone.record(3, CLERK, content="予約", caller_name="ヤマダ")
    assert e.value.extra["field"] == "caller"  # no caller details unless handing over

    # D-TEL-4: a mailed notice is not stale; an application two months old and not mailed must go to city staff
    ok = st.phone.lookup(CARDS[2].notice_no.replace("-", "").lower())
    assert ok.found and ok.notice_mailed and not ok.stale
    stale = st.phone.lookup(CARDS[3].application_id)
    assert stale.found and stale.stale and stale.days_since_application == 67
    assert stale.application_date == CARDS[3].application_date
    missing = st.phone.lookup(make_notice_number("ZZZ", 99999))
    assert not missing.found and "1か月以上なら引き継いで" in missing.message_ja
    with pytest.raises(Conflict) as c:
        st.phone.record(4, CLERK, content="届かない", lookup_ref=CARDS[3].application_id)
    assert c.value.extra["suggest"] == "notice_not_arrived" and "67日" in c.value.message_ja
    with pytest.raises(Conflict):  # the date the caller says counts too
        st.phone.record(4, CLERK, content="届かない", application_date=dt.date(2026, 10, 1))
    mailed = st.phone.record(4, CLERK, content="届かない", lookup_ref=CARDS[2].notice_no)
    assert mailed.application_date == CARDS[2].application_date and not mailed.stale

    esc = st.phone.record(4, CLERK, content="申請から2か月ヒミツ", lookup_ref=CARDS[3].application_id,
                          escalation="notice_not_arrived", caller_name="テスト　ハナコ", caller_phone="090-0000-1111")
    assert esc.stale and esc.handover_id and esc.case_id and esc.days_since_application == 67
    pre = st.phone.record(1, CLERK, content="申請書を紛失", escalation="preprint", caller_name="ヨウシ　ナクス",
                          caller_phone="03-1234-5678")
    comp = st.phone.record(10, CLERK, content="対応に不満", escalation="complaint", caller_name="クジョウ　イウ",
                           caller_phone="0120-000-000")

    # the same queue as counter cases: city staff see the caller's minimum details in the note
    queue = {h.id: h for h in st.cases.handovers()}
    assert set(queue) == {esc.handover_id, pre.handover_id, comp.handover_id}
    h = queue[esc.handover_id]
    assert h.reason == "notice_not_arrived" and h.procedure == "phone" and h.counter_id is None
    assert "テスト　ハナコ" in (h.note or "") and "090-0000-1111" in (h.note or "") and "67日" in (h.note or "")
    assert queue[comp.handover_id].reason == "complaint" and queue[pre.handover_id].reason == "preprint"

    # closing the handover purges the slip's personal columns with the case's (D-ALL-2)
    st.cases.take(esc.handover_id, STAFF)  # type: ignore[arg-type]
    st.cases.close_handover(esc.handover_id, STAFF)  # type: ignore[arg-type]
    with st.sessions() as s:
        row = s.get(PhoneCall, esc.id)
        assert row is not None and row.purged_at is not None
        assert (row.content, row.caller_name, row.caller_phone, row.lookup_ref) == (None, None, None, None)
        assert row.category == 4 and row.escalation == "notice_not_arrived" and row.stale  # the counts stay
        assert s.get(Handover, esc.handover_id).note is None  # type: ignore[union-attr]
        other = s.get(PhoneCall, comp.id)
        assert other is not None and other.caller_name == "クジョウ　イウ"  # still with city staff
        assert s.get(Case, esc.case_id).state == "closed"  # type: ignore[union-attr]
        audit = list(s.scalars(select(AuditEntry).where(AuditEntry.action.like("phone.%"))))
    assert len(audit) == 6 and all("ハナコ" not in a.detail and "届かない" not in a.detail for a in audit)

    counts = st.phone.counts_for(dt.date(2026, 12, 1))
    assert counts["total"] == 6 and counts["trivial"] == 1 and counts["stale_notice"] == 1
    assert {c["category"]: c["count"] for c in counts["by_category"] if c["count"]} == {1: 1, 2: 1, 4: 2, 7: 1,
                                                                                        10: 1}
    assert counts["escalations"] == {"complaint": 1, "preprint": 1, "notice_not_arrived": 1}
    assert [v.id for v in st.phone.list()][:1] == [comp.id]  # newest first


def test_phone_api(station: Station) -> None:
    load_stock(station)
    station.clock.set(dt.datetime(2026, 12, 1, 10, 0, tzinfo=station.clock.now().tzinfo))
    c = TestClient(create_app(station, manage_lifecycle=False))
    cats = c.get("/api/phone/categories").json()
    assert [x["key"] for x in cats["categories"]] == list("1234567890") and cats["stale_days"] == 30
    r = c.post("/api/phone/calls", json={"category": 5})
    assert r.status_code == 201 and r.json()["trivial"] is True
    r = c.post("/api/phone/calls", json={"category": 0})
    assert r.status_code == 422
    r = c.post("/api/phone/calls", json={"category": 10, "content": "苦情", "escalation": "complaint"})
    assert r.status_code == 422 and r.json()["detail"]["field"] == "caller_name"
    r = c.get("/api/phone/lookup", params={"ref": CARDS[3].notice_no})
    assert r.status_code == 200 and r.json()["stale"] is True and "name" not in r.text
    r = c.get("/api/phone/lookup", params={"ref": "12-3"})
    assert r.status_code == 422 and r.json()["detail"]["message_ja"]
    r = c.post("/api/phone/calls", json={"category": 4, "content": "来ない", "lookup_ref": CARDS[3].notice_no})
    assert r.status_code == 409 and r.json()["detail"]["suggest"] == "notice_not_arrived"
    r = c.post("/api/phone/calls", json={"category": 4, "content": "来ない", "lookup_ref": CARDS[3].notice_no,
                                         "escalation": "notice_not_arrived", "caller_name": "デンワ　タロウ",
                                         "caller_phone": "090-1234-5678"})
    assert r.status_code == 201 and r.json()["handover_id"]
    assert any(h["reason"] == "notice_not_arrived" for h in c.get("/api/handovers").json())
    calls = c.get("/api/phone/calls").json()
    assert [x["category"] for x in calls] == [4, 5] and calls[0]["caller_name"] == "デンワ　タロウ"
    counts = c.get("/api/phone/counts", params={"date": "2026-12-01"}).json()
    assert counts["total"] == 2 and counts["escalations"]["notice_not_arrived"] == 1
    page = c.get("/phone")
    assert page.status_code == 200 and "電話受付票" in page.text and "上記の苦情への対応" in page.text
