"""The operating manual through its API (issue 16), on SQLite (FTS5 trigram) and PostgreSQL (pg_trgm):
Japanese search with variants, proposals reviewed into versions, diffs, files in and out, the monthly list."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from station.app import Station
from web.app import create_app


@pytest.fixture
def client(any_station: Station) -> Iterator[TestClient]:
    with TestClient(create_app(any_station, manage_lifecycle=False)) as c:
        yield c


def hits(c: TestClient, q: str, **params: object) -> list[str]:
    r = c.get("/api/manual/search", params={"q": q, **params})
    assert r.status_code == 200, r.text
    return [h["slug"] for h in r.json()["hits"]]


def test_the_starter_manual_is_there_on_a_new_database(client: TestClient) -> None:
    articles = client.get("/api/manual/articles").json()
    assert len(articles) >= 15 and all(a["version"] == 1 for a in articles)
    assert [a["slug"] for a in client.get("/api/manual/articles", params={"category": 4}).json()] == [
        "notice-not-arrived"]
    steps = client.get("/api/manual/articles", params={"procedure": "issuance", "step": "documents"}).json()
    assert {a["slug"] for a in steps} >= {"issuance-documents", "proxy", "under-15"}
    a = client.get("/api/manual/articles/proxy").json()
    assert a["html"].startswith("<ul>") and "D-DOC-8" in a["seed_rules"] and a["category_marks"] == ["②"]


def test_search_in_japanese_with_variants(client: TestClient) -> None:
    full = hits(client, "マイナンバーカード")
    assert full and hits(client, "ﾏｲﾅﾝﾊﾞｰｶｰﾄﾞ") == full
    assert set(hits(client, "まいなんばー")) >= set(full)
    assert hits(client, "パスワード")[0] == "pin"  # only in the keywords
    assert hits(client, "暗証番号")[0] == "pin"
    assert hits(client, "代理")[0] == "proxy"  # two characters
    assert hits(client, "だいりにん")[0] == "proxy"  # kana for kanji: the article's reading
    assert "notice-not-arrived" in hits(client, "とどかない")
    assert hits(client, "疎明資")[0] == "proxy"  # a partial word
    assert "notice-not-arrived" in hits(client, "交付通知所")[:3]  # a typo
    assert hits(client, "交付通知書", category=4)[0] == "notice-not-arrived"  # the category's article first
    assert hits(client, "交付通知書", category=2)[0] == "issuance-documents"
    r = client.get("/api/manual/search", params={"q": "ﾏｲﾅﾝﾊﾞｰｶｰﾄﾞ"}).json()
    assert "<mark>マイナンバーカード</mark>" in r["hits"][0]["snippet_html"] and r["took_ms"] < 500


def test_a_miss_is_counted_for_the_monthly_list(client: TestClient) -> None:
    r = client.get("/api/manual/search", params={"q": "ふるさと納税の返礼品"}).json()
    assert r["hits"] == [] and r["miss_counted"]
    client.get("/api/manual/search", params={"q": "ﾌﾙｻﾄ納税の返礼品", "category": 8})
    month = client.get("/api/manual/unanswered").json()
    assert month["month"] == "2026-12"
    assert month["misses"] == [{"query": "ふるさと納税の返礼品", "count": 2, "category": None}]
    assert month["misses_total"] == 2


def test_reading_is_counted_without_a_reader(client: TestClient, any_station: Station) -> None:
    assert client.post("/api/manual/articles/hours/read").json() == {"slug": "hours", "reads": 1}
    assert client.post("/api/manual/articles/hours/read").json()["reads"] == 2
    assert client.get("/api/manual/unanswered").json()["reads"][0] == {"slug": "hours", "title": "窓口と電話の受付時間",
                                                                       "count": 2}
    assert client.post("/api/manual/articles/nope/read").status_code == 404


def test_a_proposal_accepted_becomes_the_version_the_counter_shows(client: TestClient, any_station: Station) -> None:
    before = client.get("/api/manual/articles/proxy").json()
    body = before["body"] + "- 委任状の様式は本市のホームページにあります〔D-ALL-3〕。\n"
    p = client.post("/api/manual/proposals", json={
        "slug": "proxy", "body": body, "question": "委任状の様式はどこにありますか", "origin": "phone",
        "origin_ref": "phone:2"})
    assert p.status_code == 201, p.text
    pid = p.json()["id"]
    assert p.json()["status"] == "open" and p.json()["base_version"] == 1
    # until city staff accept, the counter reads version 1
    assert client.get("/api/manual/articles/proxy").json()["version"] == 1
    one = client.get(f"/api/manual/proposals/{pid}").json()
    assert {"op": "add", "text": "- 委任状の様式は本市のホームページにあります〔D-ALL-3〕。"} in one["diff"]["body"]
    assert [x["id"] for x in client.get("/api/manual/proposals", params={"status": "open"}).json()] == [pid]
    a = client.post(f"/api/manual/proposals/{pid}/accept", json={})
    assert a.status_code == 200, a.text
    assert a.json()["version"] == 2 and "委任状の様式" in a.json()["html"]
    assert client.get("/api/manual/articles/proxy").json()["version"] == 2
    assert "proxy" in hits(client, "委任状の様式")
    versions = client.get("/api/manual/articles/proxy/versions").json()
    assert [v["version"] for v in versions] == [2, 1] and versions[0]["proposal_id"] == pid
    diff = client.get("/api/manual/articles/proxy/diff").json()
    assert (diff["from_version"], diff["to_version"]) == (1, 2)
    assert [x for x in diff["body"] if x["op"] != "same"] == [
        {"op": "add", "text": "- 委任状の様式は本市のホームページにあります〔D-ALL-3〕。"}]
    assert client.get("/api/manual/articles/proxy/versions/1").json()["body"] == before["body"]
    again = client.post(f"/api/manual/proposals/{pid}/accept", json={})
    assert again.status_code == 422 and again.json()["detail"]["message_en"].startswith("This proposal has already")
    with any_station.engine.connect() as conn:
        actions = [r[0] for r in conn.execute(text("SELECT action FROM audit_log WHERE action LIKE 'manual.%' "
                                                   "ORDER BY id"))]
    assert actions[-2:] == ["manual.propose", "manual.accept"]


def test_edit_and_accept_a_new_article_and_reject_with_a_reason(client: TestClient, any_station: Station) -> None:
    new = client.post("/api/manual/proposals", json={
        "title": "コンビニ交付", "body": "下書き", "question": "コンビニで住民票は取れますか", "origin": "search",
        "categories": [8]}).json()
    assert new["slug"] is None
    a = client.post(f"/api/manual/proposals/{new['id']}/accept", json={
        "slug": "convenience-store", "body": "印鑑登録証明書は本市のホームページを参照して案内します〔D-ALL-3〕。\n",
        "keywords": ["コンビニ", "住民票"], "note": "city edit"})
    assert a.status_code == 200, a.text
    assert a.json()["slug"] == "convenience-store" and a.json()["categories"] == [8]
    assert hits(client, "こんびに")[0] == "convenience-store"
    any_station.manual.wait_readings()  # its kana reading is stored after the commit, in the background
    assert hits(client, "いんかんとうろく") == ["convenience-store"]
    other = client.post("/api/manual/proposals", json={"slug": "hours", "body": "x", "question": "q"}).json()
    r = client.post(f"/api/manual/proposals/{other['id']}/reject", json={"reason": " "})
    assert r.status_code == 422 and r.json()["detail"]["message_ja"] == "却下には理由が必要です"
    r = client.post(f"/api/manual/proposals/{other['id']}/reject", json={"reason": "時間は条例で決まっています"})
    assert r.json()["status"] == "rejected" and r.json()["reason"] == "時間は条例で決まっています"
    assert client.get("/api/manual/articles/hours").json()["version"] == 1
    bad = client.post("/api/manual/proposals", json={"slug": "nope", "body": "x", "question": "q"})
    assert bad.status_code == 404
    bad = client.post("/api/manual/proposals", json={"slug": "hours", "body": "x", "question": " "})
    assert bad.status_code == 422 and bad.json()["detail"]["message_ja"] == "きっかけになった質問を入力してください"


def test_export_and_import_round_trip(client: TestClient) -> None:
    z = client.get("/api/manual/export")
    assert z.status_code == 200 and z.headers["content-type"] == "application/zip"
    files = {n: zipfile.ZipFile(io.BytesIO(z.content)).read(n).decode() for n in
             zipfile.ZipFile(io.BytesIO(z.content)).namelist()}
    assert "manual/hours.md" in files and files["manual/hours.md"].startswith("---\nslug: hours\n")
    same = client.post("/api/manual/import", files={"file": ("manual.zip", z.content, "application/zip")}).json()
    assert same["created"] == [] and same["updated"] == [] and len(same["unchanged"]) == len(files)
    changed = files["manual/hours.md"].replace("電話は1回線です", "電話は1回線のみです")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        out.writestr("manual/hours.md", changed)
        out.writestr("manual/new-one.md", "---\ntitle: 新しい記事\ncategories: [⑤]\n---\n本文〔D-ALL-3〕。\n")
    r = client.post("/api/manual/import", files={"file": ("m.zip", buf.getvalue(), "application/zip")}).json()
    assert (r["created"], r["updated"]) == (["new-one"], ["hours"])
    assert client.get("/api/manual/articles/hours").json()["version"] == 2
    assert client.get("/api/manual/articles/new-one").json()["categories"] == [5]
    again = client.get("/api/manual/export")
    names = zipfile.ZipFile(io.BytesIO(again.content)).namelist()
    assert "manual/new-one.md" in names
    assert zipfile.ZipFile(io.BytesIO(again.content)).read("manual/hours.md").decode() == changed
    # a broken file: nothing is imported, every problem is named
    broken = client.post("/api/manual/import", files={"file": ("bad.md", b"---\ntitle: x\ncategories: [12]\n---\n",
                                                               "text/markdown")})
    assert broken.status_code == 422
    problems = broken.json()["detail"]["problems"]
    assert {p["file"] for p in problems} == {"bad.md"}
    assert {p["message_en"] for p in problems} == {"There is no phone category \"12\" (1-10)", "Enter the text"}


def test_city_staff_write_an_article_directly(client: TestClient) -> None:
    r = client.put("/api/manual/articles/hours", json={
        "title": "窓口と電話の受付時間", "body": "新しい本文\n", "categories": [1, 2, 3], "keywords": ["受付時間"],
        "reviewed_on": "2026-12-01"})
    assert r.status_code == 200 and r.json()["version"] == 2
    same = client.put("/api/manual/articles/hours", json={
        "title": "窓口と電話の受付時間", "body": "新しい本文\n", "categories": [1, 2, 3], "keywords": ["受付時間"],
        "reviewed_on": "2026-12-01"})
    assert same.json()["version"] == 2  # nothing changed: no new version
    bad = client.put("/api/manual/articles/hours", json={"title": "", "body": "x", "procedures": ["nope"]})
    assert bad.status_code == 422


def test_migration_matches_the_models(any_station: Station) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from station.store.models import Base

    tables = {"manual_articles", "manual_versions", "manual_proposals", "manual_misses", "manual_reads"}
    with any_station.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    mine = [d for d in diffs if any(t in repr(d) for t in tables) and "trgm" not in repr(d)]
    assert mine == []
