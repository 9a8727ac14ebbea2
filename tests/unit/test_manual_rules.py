"""The operating manual's rules (issue 16): files with front matter, the starter manual's traceability to the
seed, validation, diffs, and the review of proposals. Pure."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from station.domain import manual as m
from station.procedures_catalog import load_catalog
from station.services.manual import STARTER_DIR, render_html

# Every rule DOMAIN.md numbers (shared/DOMAIN.md restates the seed, 別紙1–4).
SEED_RULES = ({f"D-CAL-{i}" for i in range(1, 4)} | {f"D-GUI-{i}" for i in range(1, 4)}
              | {f"D-APP-{i}" for i in range(1, 4)} | {f"D-DOC-{i}" for i in range(1, 9)}
              | {f"D-ISS-{i}" for i in range(1, 7)} | {f"D-OTH-{i}" for i in range(1, 6)}
              | {f"D-INS-{i}" for i in range(1, 5)} | {f"D-TEL-{i}" for i in range(1, 6)}
              | {f"D-BO-{i}" for i in range(1, 7)} | {f"D-ALL-{i}" for i in range(1, 4)})
STARTER = sorted(STARTER_DIR.glob("*.md"))


def test_a_file_round_trips() -> None:
    doc = m.ArticleDoc(slug="proxy", title="代理人による受取", body="- 本人に限ります〔D-DOC-8〕。\n",
                       categories=(2,), procedures=("issuance",), steps=("issuance.documents",),
                       keywords=("代理", "委任状"), sources=("https://example.jp/a",), seed_rules=("D-DOC-8",),
                       reviewed_on=date(2026, 12, 1))
    text = m.render_file(doc)
    assert text.startswith("---\nslug: proxy\ntitle: 代理人による受取\n")
    assert m.parse_file("proxy.md", text) == doc


def test_front_matter_is_forgiving_and_errors_name_the_problem() -> None:
    doc = m.parse_file("dir/hours.md", "---\ntitle: 時間\ncategories: ①, ③\nkeywords: 開庁、時間\n---\n本文\n")
    assert (doc.slug, doc.categories, doc.keywords) == ("hours", (1, 3), ("開庁", "時間"))
    assert m.parse_file("x.md", "本文だけ").title == ""
    with pytest.raises(m.FileError) as e:
        m.parse_file("x.md", "---\ntitle: [unclosed\n---\n")
    assert e.value.msg.code == "manual.file.front_matter_bad"
    with pytest.raises(m.FileError) as e:
        m.parse_file("x.md", "---\ntitle: a\n")
    assert e.value.msg.code == "manual.file.front_matter_open"


def test_check() -> None:
    ok = m.ArticleDoc(slug="a-1", title="t", body="b", categories=(10,), procedures=("issuance",))
    assert m.check(ok, ["issuance"]) == []
    bad = m.ArticleDoc(slug="A 1", title="", body=" ", categories=(11,), procedures=("nope",), steps=("x.y",))
    codes = [p.code for p in m.check(bad, ["issuance"])]
    assert codes == ["manual.invalid.slug", "manual.invalid.title_empty", "manual.invalid.body_empty",
                     "manual.invalid.category", "manual.invalid.procedure"]


@pytest.mark.parametrize("path", STARTER, ids=lambda p: p.name)
def test_every_sentence_of_the_starter_manual_cites_a_seed_rule(path: Path) -> None:
    doc = m.parse_file(path.name, path.read_text(encoding="utf-8"))
    assert m.check(doc, [p.code for p in load_catalog().procedures]) == []
    assert m.uncited_sentences(doc.body) == []
    cited = set(m.cited_rules(doc.body))
    assert cited <= SEED_RULES, cited - SEED_RULES
    assert cited <= set(doc.seed_rules) <= SEED_RULES  # the front matter lists what the text cites
    assert m.parse_file(path.name, m.render_file(doc)) == doc


def test_the_starter_manual_covers_every_phone_category_and_the_seeds_topics() -> None:
    docs = [m.parse_file(p.name, p.read_text(encoding="utf-8")) for p in STARTER]
    assert {c for d in docs for c in d.categories} == set(range(1, 11))
    slugs = {d.slug for d in docs}
    assert {"hours", "issuance-documents", "proxy", "under-15", "insurance", "notice-not-arrived", "preprint"} <= slugs
    procedures = {p for d in docs for p in d.procedures}
    assert {p.code for p in load_catalog().procedures} <= procedures


def test_uncited_sentences_are_found() -> None:
    assert m.uncited_sentences("## 見出し\n- 書いた〔D-DOC-1〕。出典なし。\n") == ["出典なし。"]


def test_diff_line_by_line() -> None:
    a = m.ArticleDoc(slug="a", title="題", body="一行目\n二行目\n", keywords=("x",))
    b = a.with_changes(body="一行目\n新しい二行目\n三行目\n", keywords=("x", "y"))
    d = m.diff(a, b)
    assert [(x.op, x.text) for x in d.body] == [("same", "一行目"), ("del", "二行目"), ("add", "新しい二行目"),
                                                ("add", "三行目")]
    assert [(f.field, f.before, f.after) for f in d.fields] == [("keywords", "x", "x, y")]
    assert [x.op for x in m.diff(None, a).body] == ["add", "add"]


def test_decisions() -> None:
    assert m.check_decision("open", "accept", "") is None
    assert m.check_decision("open", "reject", " ").code == "manual.proposal.reason_needed"  # type: ignore[union-attr]
    assert m.check_decision("accepted", "accept", "").code == "manual.proposal.decided"  # type: ignore[union-attr]
    assert [p.code for p in m.check_proposal("", "本文", "", "phone", None)] == [
        "manual.invalid.title_empty", "manual.invalid.question_empty"]
    assert m.slug_for("PIN reset", ["pin-reset"]) == "pin-reset-2"
    assert m.slug_for("暗証番号", []) == "article"


def test_markdown_is_rendered_safely() -> None:
    html = render_html("# 題\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) **太字**")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html and "<strong>太字</strong>" in html


def test_the_shipped_readings_are_those_of_the_starter_manual() -> None:
    """config/manual/readings.json spares a new database's first import the reading child; refresh it with
    `python -m station.services.manual_reading --refresh config/manual` after editing the starter manual."""
    import json

    from station.services.manual import reading_text
    from station.services.manual_reading import SHIPPED, key

    table = json.loads(SHIPPED.read_text(encoding="utf-8"))
    texts = [reading_text(m.parse_file(p.name, p.read_text(encoding="utf-8"))) for p in STARTER]
    assert sorted(key(t) for t in texts) == sorted(table)
    assert all(table[key(t)] for t in texts)
