"""The back office by scan (issue 14): a delivery inspected with a defect whose slot is reused, notices
checked against cards, mailed and made ready by range, returned with a reason, paged lists, find-by-scan,
and the demo stock of simulator mode already ready."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from station.app import Station
from station.domain.stock_csv import write_stock_csv
from station.services.audit import Actor
from station.services.errors import Conflict
from station.store.models import AuditEntry
from tests.support.stock_data import fake_records

SAMPLES = Path(__file__).resolve().parents[2] / "config" / "samples"
CLERK = Actor("clerk-a")


def test_delivery_inspected_with_a_defect_then_mailed_ready_and_returned(station: Station) -> None:
    stock = station.stock
    recs = fake_records(20)
    stock.import_bytes(write_stock_csv(recs), "a.csv", CLERK)
    bad = recs[4]
    stock.transition(bad.manufacturing_no, "defect", CLERK, reason="photo")
    assert stock.locate(bad.notice_no).on_shelf is False  # its slot is free
    r = stock.transition_many("inspected", CLERK, first=recs[0].manufacturing_no, last=recs[-1].manufacturing_no)
    assert r.moved == 19 and r.skipped == {"defect": 1}
    # the defect re-inspected OK comes back into the slot it left
    again = stock.transition(bad.manufacturing_no, "inspected", CLERK)
    assert (again.box, again.position) == (1, 5)
    stock.transition(bad.manufacturing_no, "defect", CLERK, reason="photo")
    ok = stock.check_notice(recs[0].notice_no, recs[0].manufacturing_no, CLERK)
    wrong = stock.check_notice(recs[1].notice_no, recs[0].manufacturing_no, CLERK)
    assert ok.match and not wrong.match and "不一致" in wrong.message_ja
    m = stock.transition_many("mailed", CLERK, first=recs[0].manufacturing_no, last=recs[-1].manufacturing_no,
                              mailed_on=date(2026, 12, 1))
    assert m.moved == 19 and m.receipt_deadline == date(2027, 3, 1)
    rd = stock.transition_many("ready", CLERK, refs=[recs[0].notice_no, recs[1].manufacturing_no])
    assert rd.moved == 2
    with pytest.raises(Conflict, match="不良"):
        stock.transition_many("ready", CLERK, refs=[bad.notice_no])
    ret = stock.transition_many("returned", CLERK, refs=[recs[2].notice_no], reason="cancelled")
    assert ret.moved == 1 and stock.get(recs[2].notice_no).return_reason == "cancelled"
    note = stock.set_note(recs[3].notice_no, "再交付", CLERK)
    assert note.notice_note == "再交付"
    page = stock.card_page("mailed", page=2, per_page=5)
    assert (page.total, page.pages, len(page.items)) == (16, 4, 5)
    assert stock.status_counts()["defect"] == 1
    with station.sessions() as s:
        actions = [a.action for a in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions.count("stock.notice_check") == 2 and "stock.mailed" in actions


def test_demo_stock_is_ready_once(station: Station) -> None:
    n = station.stock.seed_demo_ready(SAMPLES / "card_issuance_list_utf8.csv")
    assert n == 20
    assert station.stock.status_counts()["ready"] == 20
    assert station.stock.seed_demo_ready(SAMPLES / "card_issuance_list_utf8.csv") == 0


def test_steps_lists_and_a4_sheets_over_http(station: Station) -> None:
    from fastapi.testclient import TestClient

    from web.app import create_app

    recs = fake_records(6)
    station.stock.import_bytes(write_stock_csv(recs), "a.csv", CLERK)
    with TestClient(create_app(station, manage_lifecycle=False)) as c:
        r = c.post("/api/stock/steps", json={"to": "inspected", "box": 1})
        assert r.status_code == 200 and r.json()["moved"] == 6
        r = c.post("/api/stock/steps", json={"to": "mailed", "first": recs[0].manufacturing_no,
                                             "last": recs[-1].manufacturing_no, "date": "2026-12-01"})
        assert r.json()["moved"] == 6 and r.json()["receipt_deadline"] == "2027-03-01"
        r = c.post("/api/stock/steps", json={"to": "issued", "refs": [recs[0].notice_no]})
        assert r.status_code == 409 and "交付前設定" in r.json()["detail"]["message_ja"]  # refused with the reason
        bad = c.post("/api/stock/notice-check", json={"notice": recs[1].notice_no, "card": recs[0].manufacturing_no})
        assert bad.json()["match"] is False
        c.post(f"/api/stock/cards/{recs[2].notice_no}/note", json={"note": "再交付分"})
        page = c.get("/api/stock/lists/mailed", params={"per_page": 4, "page": 2}).json()
        assert (page["total"], page["pages"], len(page["items"])) == (6, 2, 2)
        assert c.get(f"/api/stock/locate/{recs[3].notice_no}").json()["box_label"] == "BOX-0001"
        mailing = c.get("/stock/print/mailing", params={"date": "2026-12-01"})
        assert mailing.status_code == 200 and "交付通知書 発送一覧" in mailing.text
        assert recs[5].notice_no in mailing.text and "再交付分" in mailing.text and "2027-03-01" in mailing.text
        for sheet, words in (("notices", "受取期限つき"), ("shelf", "BOX-0001"), ("pin_guide", "数字4桁"),
                             ("checksheet", "本人確認書類の原本"), ("overdue", "受取期限切れ"), ("stale", "未発送"),
                             ("issued", "交付控")):
            r = c.get(f"/stock/print/{sheet}")
            assert r.status_code == 200 and words in r.text, sheet
            assert "@page" not in r.text and "backoffice.css" in r.text  # A4 comes from the print stylesheet
        assert c.get("/stock/print/nothing").status_code == 404
        assert "Issuance notices mailed" in c.get("/stock/print/mailing", params={"lang": "en"}).text
