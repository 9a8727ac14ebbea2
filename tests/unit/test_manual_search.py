"""Search rules of the operating manual (issue 16): folding, ranking, highlighting — pure, no database."""

from __future__ import annotations

import pytest

from station.domain import manual_search as ms


@pytest.mark.parametrize(("variant", "folded"), [
    ("マイナンバーカード", "まいなんばーかーど"),
    ("ﾏｲﾅﾝﾊﾞｰｶｰﾄﾞ", "まいなんばーかーど"),  # half-width, voiced marks merged
    ("まいなんばーかーど", "まいなんばーかーど"),
    ("ＰＩＮ　ロック", "pin ろつく"),  # full-width letters, ideographic space, small kana
    ("申し込み", "申込"), ("申込み", "申込"), ("受け取り", "受取"), ("問い合わせ", "問合せ"),
    ("3ヶ月", "3か月"), ("３カ月", "3か月"),
])
def test_variants_fold_to_one_spelling(variant: str, folded: str) -> None:
    assert ms.fold(variant) == folded


def test_fold_map_points_back_at_the_original() -> None:
    original = "ﾏｲﾅﾝﾊﾞｰｶｰﾄﾞの申し込み"
    folded, starts, ends = ms.fold_with_map(original)
    assert folded == "まいなんばーかーどの申込"
    assert len(starts) == len(ends) == len(folded)
    i = folded.index("ば")
    assert original[starts[i]:ends[i]] == "ﾊﾞ"
    j = folded.index("申込")
    assert original[starts[j]:ends[j + 1]] == "申し込み"


def test_terms_and_fts5_query() -> None:
    assert ms.terms("  マイナンバー　カード マイナンバー ") == ["まいなんばー", "かーど"]
    q = ms.fts5_query(["まいなん"])
    assert q == '"まいな" OR "いなん"'
    assert ms.fts5_query(['a"bc']) == '"a""b" OR """bc"'


def _doc(i: int, title: str, keywords: str = "", body: str = "", categories: tuple[int, ...] = (),
         **kw: object) -> ms.Indexed:
    return ms.Indexed(id=i, title=ms.fold(title), keywords=ms.fold(keywords), body=ms.fold(body),
                      categories=categories, **kw)  # type: ignore[arg-type]


DOCS = [
    _doc(1, "暗証番号（記載票・設定・再設定）", "パスワード 暗証番号 ロック", "暗証番号記載票の書き方を説明します。",
         (2, 5), procedures=("pin_reset",)),
    _doc(2, "カードの受取に必要な書類", "持ち物 交付通知書",
         "交付通知書と本人確認書類の原本を確認します。マイナンバーカード", (2,),
         procedures=("issuance",), steps=("issuance.documents",)),
    _doc(3, "交付通知書が届かない", "不着 はがき",
         "申請からおおむね1か月を超えたら本市職員へ引き継ぎます。交付通知書", (4,)),
    _doc(4, "代理人による受取", "代理 委任状", "国が認める理由のときは疎明資料により代理人が受け取れます。", (2,)),
]


def slugs(query: str, **ctx: object) -> list[int]:
    return [d.id for d, _ in ms.rank(ms.terms(query), DOCS, ms.Context(**ctx))]  # type: ignore[arg-type]


def test_keywords_find_what_the_text_does_not_say() -> None:
    assert slugs("パスワード") == [1]
    assert slugs("暗証番号")[0] == 1


def test_width_and_kana_variants_find_the_same_article() -> None:
    assert slugs("マイナンバーカード") == slugs("ﾏｲﾅﾝﾊﾞｰｶｰﾄﾞ") == slugs("まいなんばーかーど") == [2]
    assert slugs("まいなんばー") == [2]


def test_partial_words_and_typos() -> None:
    assert slugs("代理")[0] == 4  # two characters: no trigram, still found
    assert slugs("疎明資")[0] == 4  # a partial word
    assert slugs("交付通知所")[:2] in ([3, 2], [2, 3])  # one wrong character (所 for 書)
    assert slugs("どこにもない言葉") == []


def test_ranking_puts_the_categorys_article_first() -> None:
    both = slugs("交付通知書")
    assert set(both[:2]) == {2, 3}
    assert slugs("交付通知書", category=4)[0] == 3
    assert slugs("交付通知書", category=2)[0] == 2
    assert slugs("", procedure="issuance", step="documents") == [2]  # no query: the step's article
    assert slugs("") == []


def test_title_counts_more_than_body() -> None:
    docs = [_doc(1, "その他", body="代理人の話"), _doc(2, "代理人", body="その他")]
    assert [d.id for d, _ in ms.rank(["代理人"], docs)] == [2, 1]


def test_highlight_marks_the_original_characters_and_escapes() -> None:
    assert ms.highlight("ﾏｲﾅﾝﾊﾞｰｶｰﾄﾞ<b>", ["まいなんばー"]) == "<mark>ﾏｲﾅﾝﾊﾞｰ</mark>ｶｰﾄﾞ&lt;b&gt;"
    assert ms.highlight("申し込みの方法", ["申込"]) == "<mark>申し込み</mark>の方法"
    # a typo: the trigrams that do match are marked
    assert "<mark>交付通知</mark>書" in ms.highlight("交付通知書が届かない", ["交付通知所"])


def test_snippet_is_plain_text_around_the_match() -> None:
    body = "## 見出し\n\n- " + "あ" * 200 + "代理人が受け取れます。[リンク](https://example.jp)\n"
    s = ms.snippet(body, ["代理人"])
    assert "<mark>代理人</mark>" in s and s.startswith("…") and "##" not in s
    assert ms.plain("[リンク](https://example.jp) **太字**") == "リンク 太字"
