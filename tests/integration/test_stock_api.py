"""The card-stock JSON API through FastAPI's test client, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from station.app import Station
from station.clock import ManualClock
from station.domain.barcodes import parse_box_label
from station.domain.stock_csv import write_stock_csv
from tests.conftest import OPEN_TIME
from tests.support.stock_data import fake_record, fake_records
from web.app import create_app

SAMPLES = Path(__file__).resolve().parents[2] / "config" / "samples"


@pytest.fixture
def client(any_station: Station) -> Iterator[TestClient]:
    with TestClient(create_app(any_station, manage_lifecycle=False)) as c:
        yield c


def upload(client: TestClient, data: bytes, name: str = "list.csv", **params: str) -> object:
    return client.post("/api/stock/import", files={"file": (name, data, "text/csv")}, params=params)


def test_upload_import_then_again_then_bad_file(client: TestClient) -> None:
    sjis = (SAMPLES / "card_issuance_list_sjis.csv").read_bytes()
    r = upload(client, sjis, "sjis.csv")
    assert r.status_code == 201, r.text  # type: ignore[attr-defined]
    body = r.json()  # type: ignore[attr-defined]
    assert body["imported"] == 20 and body["encoding"] == "cp932" and body["first_box"] == 1
    again = upload(client, sjis, "sjis-again.csv")
    assert again.status_code == 200 and again.json()["already_imported"] is True  # type: ignore[attr-defined]
    bad = sjis.replace(b"L2026-10-B\r\n", b"\r\n", 1)  # line 2: delivery lot empty
    bad = bad.replace(b"260200000002", b"260200000001", 1)  # line 3: duplicate in the file (and in stock)
    r = upload(client, bad, "bad.csv")
    assert r.status_code == 422  # type: ignore[attr-defined]
    detail = r.json()["detail"]  # type: ignore[attr-defined]
    assert "1件も取り込んでいません" in detail["message_ja"] and "nothing was imported" in detail["message_en"]
    assert [(p["line"], p["column"]) for p in detail["problems"]][:2] == [(2, "納品ロット"), (3, "製造管理番号")]
    assert all({"line", "column", "reason_ja", "reason_en"} <= set(p) for p in detail["problems"])
    assert client.get("/api/stock/boxes").json()[0]["count"] == 20


def test_check_only_writes_nothing(client: TestClient) -> None:
    r = upload(client, write_stock_csv(fake_records(3)), check="true")
    assert r.status_code == 200 and r.json() == {"ok": True, "rows": 3, "encoding": "utf-8",  # type: ignore[attr-defined]
                                                 "problems": []}
    assert client.get("/api/stock/boxes").json() == []


def test_card_lookup_personal_fields_only_there(client: TestClient) -> None:
    upload(client, write_stock_csv(fake_records(5)))
    rec = fake_record(2)
    one = client.get(f"/api/stock/cards/{rec.notice_no.replace('-', '')}")
    assert one.status_code == 200
    c = one.json()
    assert c["manufacturing_no"] == rec.manufacturing_no and c["name_kana"] == rec.name_kana
    assert c["birth_date"] == rec.birth_date.isoformat() and c["box_label"] == "BOX-0001" and c["position"] == 3  # type: ignore[union-attr]
    assert client.get(f"/api/stock/cards/{rec.manufacturing_no}").json()["id"] == c["id"]
    assert client.get("/api/stock/cards/260199999999").status_code == 404
    assert client.get("/api/stock/cards/AB1-234567").status_code == 422  # bad check digit
    t = client.post(f"/api/stock/cards/{c['id']}/transition", json={"to": "inspected"})
    assert t.status_code == 200 and t.json()["status"] == "inspected"
    for payload in (t.json(), client.get("/api/stock/boxes").json(), client.get("/api/stock/boxes/1").json()):
        text = str(payload)
        assert rec.name_kana not in text and "birth_date" not in text and "name_kana" not in text  # type: ignore[operator]
    hist = client.get(f"/api/stock/cards/{rec.notice_no}/history").json()
    assert [h["to_status"] for h in hist] == ["received", "inspected"]


def test_transitions_refused_with_reasons(client: TestClient) -> None:
    upload(client, write_stock_csv(fake_records(2)))
    mfg = fake_record(0).manufacturing_no
    r = client.post(f"/api/stock/cards/{mfg}/transition", json={"to": "issued"})
    assert r.status_code == 409
    d = r.json()["detail"]
    assert "受領から交付済には変更できません" in d["message_ja"]
    assert "cannot go from received to issued" in d["message_en"]
    r = client.post(f"/api/stock/cards/{mfg}/transition", json={"to": "defect"})
    assert r.status_code == 409 and "print" in r.json()["detail"]["message_en"]
    r = client.post(f"/api/stock/cards/{mfg}/transition", json={"to": "defect", "reason": "data_mismatch"})
    assert r.status_code == 200 and r.json()["defect_reason"] == "data_mismatch"


def test_mail_overdue_stale_and_phone_lookup(client: TestClient, clock: ManualClock) -> None:
    upload(client, write_stock_csv(fake_records(6)))
    recs = fake_records(6)
    for r in recs[:4]:
        assert client.post(f"/api/stock/cards/{r.notice_no}/transition", json={"to": "inspected"}).status_code == 200
    r = client.post("/api/stock/mail", json={"from": recs[0].manufacturing_no, "to": recs[2].manufacturing_no,
                                             "date": "2026-11-20"})
    assert r.status_code == 200 and r.json() == {"mailed": 3, "mailed_on": "2026-11-20",
                                                 "receipt_deadline": "2027-02-18", "skipped": {}}
    r = client.post("/api/stock/mail", json={"notice_numbers": [recs[3].notice_no, recs[4].notice_no],
                                             "date": "2026-11-20"})
    assert r.status_code == 409 and r.json()["detail"]["problems"][0]["notice_no"] == recs[4].notice_no
    assert client.post("/api/stock/mail", json={"date": "2026-11-20"}).status_code == 422
    r = client.post("/api/stock/mail", json={"notice_numbers": [recs[3].notice_no], "date": "2026-11-21"})
    assert r.json()["mailed"] == 1
    listed = client.get("/api/stock/notices", params={"mailed_on": "2026-11-20"}).json()
    assert [c["manufacturing_no"] for c in listed] == [r.manufacturing_no for r in recs[:3]]
    assert client.get("/api/stock/overdue").json() == []
    clock.set(OPEN_TIME + timedelta(days=80))  # 2027-02-19: past 2027-02-18
    assert [c["notice_no"] for c in client.get("/api/stock/overdue").json()] == [r.notice_no for r in recs[:3]]
    # fake application dates are 2026-10-01 - i days: 80+ days old and not mailed → stale.
    assert [c["notice_no"] for c in client.get("/api/stock/stale").json()] == [recs[5].notice_no, recs[4].notice_no]
    a = client.get(f"/api/stock/applications/{recs[5].application_id}")
    assert a.status_code == 200 and a.json()["handover_suggested"] is True and "name_kana" not in a.json()
    assert client.get("/api/stock/applications/12345678901234567890123").status_code == 404


def test_box_list_and_label_png(client: TestClient, any_station: Station) -> None:
    any_station.settings.stock.box_size = 4
    upload(client, write_stock_csv(fake_records(6)))
    boxes = client.get("/api/stock/boxes").json()
    assert [(b["label"], b["count"]) for b in boxes] == [("BOX-0001", 4), ("BOX-0002", 2)]
    slots = client.get("/api/stock/boxes/2").json()
    assert [(s["position"], s["manufacturing_no"]) for s in slots] == [
        (1, fake_record(4).manufacturing_no), (2, fake_record(5).manufacturing_no)]
    png = client.get("/api/stock/boxes/1/label.png")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG") and parse_box_label(boxes[0]["label"]).box_no == 1
    assert client.get("/api/stock/boxes/9/label.png").status_code == 404


def test_stock_page_serves_upload_form(client: TestClient) -> None:
    page = client.get("/stock")
    assert page.status_code == 200 and "カード発行一覧の取込" in page.text and 'type="file"' in page.text
    en = client.get("/stock", params={"lang": "en"}).text
    assert "Import the card issuance list" in en and "カード発行一覧の取込" not in en
    js = client.get("/static/js/stock.js")
    assert js.status_code == 200 and "/api/stock/import" in js.text and "innerHTML" not in js.text.split("*/", 1)[1]
