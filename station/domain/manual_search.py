"""Search rules for the operating manual (運営マニュアル, issue 16): folding, ranking, highlighting. Pure.

Why fold at all: a clerk types 「ﾏｲﾅﾝﾊﾞｰ」, 「まいなんばー」 or 「マイナンバー」 for the same word, and the city
writes 「申し込み」 where the clerk types 「申込」. Every text that is indexed and every query is folded the same
way (NFKC, lower case, katakana → hiragana, small kana → large, a few okurigana / counter variants), so the
database only ever compares folded text. The database finds candidates by trigrams (SQLite FTS5 `trigram`,
PostgreSQL `pg_trgm`); the rules below rank them the same way on both, so the two backends agree.

Ranking, per query term: an exact (folded) hit in the title counts most, then the keywords (that is how
「パスワード」 finds the PIN article), then the body; a term with no exact hit still counts by the share of its
trigrams the field holds (a typo or a partial word), if at least half of them. Articles that serve the
context (the phone category pressed, the case's procedure and step) are lifted above the rest.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from html import escape

# Variants folded to one spelling (after kana folding, so only hiragana forms are listed).
VARIANTS: tuple[tuple[str, str], ...] = (
    ("申し込み", "申込"), ("申込み", "申込"), ("申し込", "申込"),
    ("受け取り", "受取"), ("受取り", "受取"), ("受け取", "受取"),
    ("問い合わせ", "問合せ"), ("問合わせ", "問合せ"), ("問い合せ", "問合せ"),
    ("取り消し", "取消"), ("取消し", "取消"),
    ("引き継ぎ", "引継"), ("引継ぎ", "引継"), ("引き継", "引継"),
    ("手続き", "手続"), ("届け出", "届出"),
    ("書き換え", "書換"), ("ゖ月", "か月"), ("け月", "か月"), ("箇月", "か月"), ("ヵ月", "か月"),
    ("ゖ所", "か所"), ("箇所", "か所"),
)
_SMALL = str.maketrans("ぁぃぅぇぉっゃゅょゎゕゖ", "あいうえおつやゆよわかけ")
_DASHES = str.maketrans({"―": "ー", "‐": "-", "－": "-", "—": "-", "〜": "~", "～": "~"})
MIN_COVERAGE = 0.5
WEIGHTS = {"title": 3.0, "keywords": 2.5, "body": 1.0, "reading": 0.9}
CONTEXT_BOOST = 2.0


@cache
def _fold_char(ch: str) -> str:
    """One character folded (cached: a manual uses a few thousand distinct characters)."""
    if ch.isspace():
        return " "
    out = unicodedata.normalize("NFKC", ch).lower().translate(_DASHES)
    chars = []
    for c in out:
        o = ord(c)
        if 0x30A1 <= o <= 0x30F6 or c in "ヽヾ":  # katakana → hiragana
            c = chr(o - 0x60)
        chars.append(c)
    return "".join(chars).translate(_SMALL)


def fold_with_map(text: str) -> tuple[str, list[int], list[int]]:
    """The folded text, and for each folded character the [start, end) of the original it came from.

    Per character, so that a highlight found in the folded text lands on the right original characters;
    a half-width voiced mark (ﾞ ﾟ) merges into the kana before it, as NFKC of the pair would. Whitespace
    becomes one space per character here (`fold` collapses runs)."""
    folded = "".join(map(_fold_char, text))
    if len(folded) == len(text) and "\u3099" not in folded and "\u309a" not in folded:
        n = len(text)
        return _apply_variants(folded, list(range(n)), list(range(1, n + 1)))
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for i, ch in enumerate(text):
        f = _fold_char(ch)
        if f.strip() in ("\u3099", "\u309a") and out:  # ﾞ ﾟ after a kana
            merged = unicodedata.normalize("NFC", out[-1] + f.strip())
            if len(merged) == 1:
                out[-1] = merged.translate(_SMALL)
                ends[-1] = i + 1
                continue
        for c in f:
            out.append(c)
            starts.append(i)
            ends.append(i + 1)
    return _apply_variants("".join(out), starts, ends)


_VARIANT_RE = re.compile("|".join(re.escape(src) for src, _ in VARIANTS))
_VARIANT_TO = dict(VARIANTS)


def _apply_variants(text: str, starts: list[int], ends: list[int]) -> tuple[str, list[int], list[int]]:
    if not _VARIANT_RE.search(text):
        return text, starts, ends
    out: list[str] = []
    s2: list[int] = []
    e2: list[int] = []
    pos = 0
    for m in _VARIANT_RE.finditer(text):
        out.append(text[pos:m.start()])
        s2 += starts[pos:m.start()]
        e2 += ends[pos:m.start()]
        dst = _VARIANT_TO[m.group()]
        out.append(dst)
        s2 += [starts[m.start()]] * len(dst)
        e2 += [ends[m.end() - 1]] * len(dst)
        pos = m.end()
    out.append(text[pos:])
    s2 += starts[pos:]
    e2 += ends[pos:]
    return "".join(out), s2, e2


_SPACES = re.compile(r" {2,}")


def fold(text: str) -> str:
    """The one spelling every index and query uses (see the module's docstring)."""
    return _SPACES.sub(" ", fold_with_map(text or "")[0]).strip()


def terms(query: str) -> list[str]:
    """The folded words of a query (space-separated; duplicates dropped, order kept)."""
    seen: list[str] = []
    for t in fold(query).split(" "):
        t = t.strip("\"'*()")
        if t and t not in seen:
            seen.append(t)
    return seen[:8]


def trigrams(text: str) -> list[str]:
    """Overlapping three-character pieces, as FTS5's trigram tokenizer indexes them."""
    return list(dict.fromkeys(text[i:i + 3] for i in range(len(text) - 2))) if len(text) >= 3 else []


def fuzzy_pieces(term: str) -> list[str]:
    """Substrings that survive a typo or a missing character: the 4-character pieces of a long term (one
    typo leaves most of them intact), the trigrams of a short one."""
    if len(term) >= 6:
        return list(dict.fromkeys(term[i:i + 4] for i in range(len(term) - 3)))
    return trigrams(term)


def _phrase(piece: str) -> str:
    return '"' + piece.replace('"', '""') + '"'


def fts5_query(query_terms: Sequence[str]) -> str:
    """An FTS5 MATCH expression for a typo-tolerant search: any fuzzy piece of any term."""
    pieces = [g for t in query_terms for g in fuzzy_pieces(t)]
    return " OR ".join(_phrase(g) for g in dict.fromkeys(pieces))


def fts5_exact(query_terms: Sequence[str]) -> str:
    """An FTS5 MATCH expression for articles holding every term as it is (with `trigram`, a phrase is a
    substring)."""
    return " AND ".join(_phrase(t) for t in query_terms)


@dataclass(frozen=True)
class Indexed:
    """One article as search sees it: folded fields and what it serves."""

    id: int
    title: str
    keywords: str
    body: str
    reading: str = ""  # the kana reading of title, keywords and body, when the station has a reader
    categories: tuple[int, ...] = ()
    procedures: tuple[str, ...] = ()
    steps: tuple[str, ...] = ()
    reads: int = 0


@dataclass(frozen=True)
class Context:
    """Where the clerk is searching from: the phone category pressed, the case's procedure and step."""

    category: int | None = None
    procedure: str | None = None
    step: str | None = None

    def serves(self, doc: Indexed) -> int:
        n = 0
        if self.category is not None and self.category in doc.categories:
            n += 1
        if self.procedure and self.procedure in doc.procedures:
            n += 1
        if self.procedure and self.step and f"{self.procedure}.{self.step}" in doc.steps:
            n += 2
        return n

    @property
    def empty(self) -> bool:
        return self.category is None and not self.procedure


def _term_score(term: str, doc: Indexed) -> tuple[float, bool]:
    """(score, exact) of one term against one article."""
    best = 0.0
    exact = False
    grams = trigrams(term)
    for name, weight in WEIGHTS.items():
        field = getattr(doc, name)
        if term in field:
            s = weight * (1.5 if name == "keywords" and _whole_keyword(term, field) else 1.0)
            exact = True
        elif grams:
            cov = sum(1 for g in grams if g in field) / len(grams)
            s = weight * cov * cov * 0.8 if cov >= MIN_COVERAGE else 0.0
        else:
            s = 0.0
        best = max(best, s)
    return best, exact


def _whole_keyword(term: str, keywords: str) -> bool:
    return term in keywords.split(" ")


def score(query_terms: Sequence[str], doc: Indexed, context: Context = Context()) -> float:
    """How well an article answers the query: 0 means it does not (every term must be found)."""
    if not query_terms:
        return float(context.serves(doc)) if not context.empty else 0.0
    total = 0.0
    for t in query_terms:
        s, _ = _term_score(t, doc)
        if s <= 0:
            return 0.0
        total += s
    return total / len(query_terms) + CONTEXT_BOOST * context.serves(doc)


def rank(query_terms: Sequence[str], docs: Iterable[Indexed], context: Context = Context(),
         limit: int = 20) -> list[tuple[Indexed, float]]:
    """The articles that answer, best first (ties: the more read, then the shorter title)."""
    scored = [(d, score(query_terms, d, context)) for d in docs]
    hits = [(d, s) for d, s in scored if s > 0]
    hits.sort(key=lambda ds: (-ds[1], -ds[0].reads, len(ds[0].title), ds[0].id))
    return hits[:limit]


# --- highlighting -----------------------------------------------------------------------------------------
def match_spans(original: str, query_terms: Sequence[str]) -> list[tuple[int, int]]:
    """Spans of `original` where the folded terms match (exactly, or else by their trigrams), merged."""
    folded, starts, ends = fold_with_map(original)
    spans: list[tuple[int, int]] = []
    for t in query_terms:
        found = False
        for m in re.finditer(re.escape(t), folded):
            spans.append((m.start(), m.end()))
            found = True
        if not found:
            for g in trigrams(t):
                spans += [(m.start(), m.end()) for m in re.finditer(re.escape(g), folded)]
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return [(starts[s], ends[e - 1]) for s, e in merged]


def highlight(original: str, query_terms: Sequence[str]) -> str:
    """HTML-escaped `original` with the matched words in <mark>."""
    out: list[str] = []
    pos = 0
    for s, e in match_spans(original, query_terms):
        if s < pos:
            continue
        out += [escape(original[pos:s]), "<mark>", escape(original[s:e]), "</mark>"]
        pos = e
    out.append(escape(original[pos:]))
    return "".join(out)


_MD_MARKUP = re.compile(r"^\s{0,3}(#{1,6}\s+|[-*+]\s+|\d+\.\s+|>\s?)|[*_`]|\[([^\]]*)\]\([^)]*\)", re.M)


def plain(markdown: str) -> str:
    """Markdown without its markup, for snippets."""
    text = _MD_MARKUP.sub(lambda m: m.group(2) or "", markdown)
    return re.sub(r"\s+", " ", text).strip()


def snippet(markdown: str, query_terms: Sequence[str], width: int = 90) -> str:
    """A short HTML-escaped excerpt of the body around its first match, the matched words in <mark>."""
    text = plain(markdown)
    spans = match_spans(text, query_terms)
    start = max(0, spans[0][0] - width // 3) if spans else 0
    end = min(len(text), start + width)
    piece = text[start:end]
    return ("…" if start else "") + highlight(piece, query_terms) + ("…" if end < len(text) else "")
