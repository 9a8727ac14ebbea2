"""Who may do what with the operating manual (issue 16), logged in with API tokens: clerks read and propose,
the supervisor collects, city staff review; and the printed manual carries the version city staff accepted."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from station.app import Station
from station.clock import ManualClock
from station.services.auth import cheap_hasher
from tests.conftest import make_settings
from web.app import create_app

ROLES = ("clerk", "supervisor", "city_staff", "admin")


@pytest.fixture
def office(tmp_path: Path, clock: ManualClock) -> Iterator[dict[str, Any]]:
    settings = make_settings(tmp_path, security={"require_login": True})
    st = Station(settings, clock=clock, with_devices=False)
    st.auth.hasher = cheap_hasher()
    st.start()
    tokens = {r: st.auth.create_token(f"t-{r}", r, 1 if r == "clerk" else None)[1] for r in ROLES}
    with TestClient(create_app(st, manage_lifecycle=False)) as c:
        yield {"client": c, "tokens": tokens}
    st.stop()


def call(office: dict[str, Any], role: str, method: str, path: str, **kw: Any) -> Any:
    return office["client"].request(method, path, headers={"Authorization": f"Bearer {office['tokens'][role]}"},
                                    **kw)


def test_clerks_read_and_propose_supervisor_collects_city_staff_decide(office: dict[str, Any]) -> None:
    for role in ("clerk", "supervisor", "city_staff"):
        assert call(office, role, "GET", "/api/manual/search", params={"q": "代理"}).status_code == 200
    assert call(office, "admin", "GET", "/api/manual/search", params={"q": "代理"}).status_code == 403
    p = call(office, "clerk", "POST", "/api/manual/proposals",
             json={"slug": "proxy", "body": "本文", "question": "代理人は？", "origin": "phone",
                   "origin_ref": "phone:2"})
    assert p.status_code == 201 and p.json()["proposed_by"] == "token:t-clerk"
    pid = p.json()["id"]
    assert call(office, "clerk", "GET", "/api/manual/proposals").status_code == 403
    assert call(office, "supervisor", "GET", "/api/manual/proposals").json()[0]["id"] == pid
    assert call(office, "supervisor", "GET", "/api/manual/unanswered").status_code == 200
    for role in ("clerk", "supervisor", "admin"):
        assert call(office, role, "POST", f"/api/manual/proposals/{pid}/accept", json={}).status_code == 403
        assert call(office, role, "POST", "/api/manual/import",
                    files={"file": ("a.md", b"---\ntitle: t\n---\nb\n", "text/markdown")}).status_code == 403
    ok = call(office, "city_staff", "POST", f"/api/manual/proposals/{pid}/accept", json={})
    assert ok.status_code == 200 and ok.json()["version"] == 2 and ok.json()["updated_by"] == "token:t-city_staff"
    v = call(office, "clerk", "GET", "/api/manual/articles/proxy/versions").json()[0]
    assert (v["written_by"], v["approved_by"]) == ("token:t-clerk", "token:t-city_staff")
    assert office["client"].get("/api/manual/search", params={"q": "代理"}).status_code == 401


def test_the_printed_manual_has_the_accepted_version(office: dict[str, Any]) -> None:
    from pypdf import PdfReader

    p = call(office, "clerk", "POST", "/api/manual/proposals", json={
        "slug": "under-15",
        "body": "- 保護者の同伴が必要です〔D-DOC-8〕。\n- 母子手帳は本人確認書類になりません〔D-DOC-2〕。\n",
        "question": "子どもの受取に母子手帳は使えますか"}).json()
    call(office, "city_staff", "POST", f"/api/manual/proposals/{p['id']}/accept", json={})
    r = call(office, "clerk", "GET", "/api/manual/manual.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    edition = call(office, "clerk", "GET", "/api/manual/edition").json()["edition"]
    pdf = PdfReader(io.BytesIO(r.content))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert f"第{edition}版" in pdf.pages[0].extract_text() and "目次" in text
    assert "母子手帳は本人確認書類になりません" in text.replace("\n", "")
    assert pdf.pages[0].mediabox.width == pytest.approx(595.3, abs=1)  # A4
