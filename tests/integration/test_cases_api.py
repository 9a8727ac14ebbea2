"""The cases API as the panel uses it: a whole issuance over HTTP, errors in Japanese and English, the
handover queue, counts, and the OpenAPI document."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from station.app import Station
from station.domain.barcodes import make_notice_number
from station.services.card_lookup import MemoryCardLookup
from tests.integration.test_cases_service import record, tap
from web.app import create_app

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def client(station: Station) -> Iterator[TestClient]:
    station.cases.lookup = MemoryCardLookup([record(1), record(2, has_juki_card=True)])
    with TestClient(create_app(station, manage_lifecycle=False)) as c:
        yield c


def test_whole_issuance_over_http(client: TestClient, station: Station) -> None:
    t = client.post("/api/tickets", json={"category": "A"}).json()
    client.post("/api/counters/1/call-next")
    r = client.post("/api/cases", json={"counter_id": 1, "ticket_id": t["id"]})
    assert r.status_code == 201
    case = r.json()
    cid = case["id"]
    assert case["procedure"] == "issuance" and case["next_step"] == "notice"
    assert client.post("/api/cases", json={"counter_id": 1, "ticket_id": t["id"]}).json()["id"] == cid
    r = client.post(f"/api/cases/{cid}/notice", json={"text": "xyz"})
    assert r.status_code == 422 and r.json()["detail"]["message_ja"].startswith("交付通知書番号の形式")
    r = client.post(f"/api/cases/{cid}/notice", json={"text": make_notice_number("CAS", 2)})
    assert r.json()["record"]["box_label"] == "BOX-0003"
    r = client.post(f"/api/cases/{cid}/documents", json={"documents": ["notice", "notification_card", "juki_card"],
                                                          "holder_ids": ["passport"]})
    assert r.json()["state"] == "awaiting_staff"
    assert [c["id"] for c in client.get("/api/cases/awaiting-staff-check").json()] == [cid]
    r = client.post(f"/api/cases/{cid}/card-tap", json={"role": "new"})
    assert r.status_code == 409 and r.json()["detail"]["message_en"]
    assert client.post(f"/api/cases/{cid}/staff-check").json()["next_step"] == "juki_check"
    client.post(f"/api/cases/{cid}/juki-check", json={"holds": True})
    tap(station)
    assert client.post(f"/api/cases/{cid}/card-tap").json()["card"]["cert_state"] == "valid"
    client.post(f"/api/cases/{cid}/steps/explained")
    client.post(f"/api/cases/{cid}/steps/receipt_copy")
    r = client.post(f"/api/cases/{cid}/issue").json()
    assert r["outcome"] == "issued" and r["state"] == "closed"
    counts = client.get("/api/cases/counts").json()
    assert counts["issued"] == 1
    assert client.get("/api/cases/collected").json()[0]["collected"][:3] == ["notice", "notification_card",
                                                                             "juki_card"]


def test_incomplete_and_slip_text(client: TestClient) -> None:
    cid = client.post("/api/cases", json={"counter_id": 1, "procedure": "issuance"}).json()["id"]
    client.post(f"/api/cases/{cid}/notice", json={"text": make_notice_number("CAS", 1)})
    r = client.post(f"/api/cases/{cid}/documents", json={"documents": ["notice"], "holder_ids": ["passport"],
                                                          "who": "proxy", "proxy_reason": "work"}).json()
    assert r["outcome"] == "returned_documents"
    assert r["last_print"]["printed"] is False  # no printer on this station: reprintable
    text = client.get(f"/api/cases/{cid}/slips/documents").json()["text"]
    assert "持ち物のご案内" in text and "代理受取の理由" in text
    assert client.get(f"/api/cases/{cid}/slips/renewal").status_code == 404


def test_handover_queue_over_http(client: TestClient) -> None:
    cid = client.post("/api/cases", json={"counter_id": 1, "procedure": "inquiry"}).json()["id"]
    r = client.post(f"/api/cases/{cid}/handover", json={"reason": "jlis_inquiry", "note": "J-LISに確認が必要"})
    assert r.json()["state"] == "handed_over"
    [h] = client.get("/api/handovers").json()
    assert h["reason_ja"] == "J-LISへの問い合わせが必要" and h["note"]
    assert client.post(f"/api/handovers/{h['id']}/take").json()["state"] == "taken"
    assert client.post(f"/api/handovers/{h['id']}/take").status_code == 409
    closed = client.post(f"/api/handovers/{h['id']}/close").json()
    assert closed["state"] == "closed" and closed["note"] is None
    assert client.get("/api/handovers").json() == []
    assert len(client.get("/api/handovers", params={"state": "closed"}).json()) == 1
    assert client.get(f"/api/cases/{cid}").json()["purged"] is True
    assert client.get("/api/cases/counts").json()["handovers"] == {"jlis_inquiry": 1}


def test_errors_and_catalog(client: TestClient) -> None:
    assert client.get("/api/cases/999").status_code == 404
    assert client.post("/api/cases", json={"procedure": "nope"}).status_code == 422
    cat = client.get("/api/cases/catalog").json()
    assert {p["code"] for p in cat["procedures"]} >= {"issuance", "insurance", "inquiry"}
    cid = client.post("/api/cases", json={"counter_id": 1, "procedure": "insurance"}).json()["id"]
    r = client.post(f"/api/cases/{cid}/consents", json={"applications": ["insurance"], "consents": []})
    assert r.status_code == 409
    assert client.post(f"/api/cases/{cid}/undo").status_code == 409


def test_openapi_documents_the_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for p in ("/api/cases", "/api/cases/{case_id}/documents", "/api/cases/{case_id}/staff-check",
              "/api/handovers/{handover_id}/take", "/api/handovers/{handover_id}/close", "/api/cases/counts"):
        assert p in paths, p
    assert "/staff" not in paths and "/counter/{counter_id}/case/{case_id}" not in paths


def test_case_pages_render(client: TestClient, station: Station) -> None:
    t = client.post("/api/tickets", json={"category": "B"}).json()
    client.post("/api/counters/1/call-next")
    # a GET never writes (issue 13): the page opens the case with the POST its script makes
    r = client.get("/counter/1/case", follow_redirects=False)
    assert r.status_code == 200 and 'id="case-open"' in r.text and station.cases.list() == []
    client.post("/api/cases", json={"counter_id": 1, "ticket_id": t["id"]})
    r = client.get("/counter/1/case", follow_redirects=False)
    assert r.status_code == 303
    page = client.get(r.headers["location"])
    assert page.status_code == 200 and 'id="case"' in page.text
    cid = int(r.headers["location"].rsplit("/", 1)[1])
    assert station.cases.get(cid).ticket_id == t["id"] and station.cases.get(cid).procedure == "cert_renewal"
    assert client.get("/counter/1/case", follow_redirects=False).headers["location"].endswith(f"/{cid}")
    assert client.get("/counter/1/case/99999").status_code == 404
    assert "handovers" in client.get("/staff").text
    assert 'href="/counter/1/case"' in client.get("/counter/1").text


def test_config_check_validates_the_catalog(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from station.cli import app as cli

    for name in ("station.example.toml", "calendar.toml"):
        shutil.copy(REPO / "config" / name, tmp_path / name)
    src = (REPO / "config" / "procedures.toml").read_text(encoding="utf-8")
    (tmp_path / "procedures.toml").write_text(src.replace('flow = "insurance"', 'flow = "magic"'), encoding="utf-8")
    r = CliRunner().invoke(cli, ["config", "check", str(tmp_path / "station.example.toml")])
    assert r.exit_code == 2
    assert "procedures.toml" in r.output and "procedures.1.flow" in r.output
    (tmp_path / "procedures.toml").write_text(src, encoding="utf-8")
    assert CliRunner().invoke(cli, ["config", "check", str(tmp_path / "station.example.toml")]).exit_code == 0
