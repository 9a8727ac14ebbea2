"""The operating manual (運営マニュアル, D-ALL-3, issue 16): articles, their files, versions, proposals. Pure.

Answers at the phone desk and the counter follow the manual (別紙1 4②・5①, 別紙2 4②); the contractor may
propose updates from the questions people ask (別紙1 5①, 別紙2 ④, 別紙4 ④). So an article is data the city
owns — kept as a Markdown file with front matter in the city's own document system, imported and exported
whole — and every change is a new version with who and when, published only by city staff.

Search rules (folding, ranking, highlighting) live beside this in `manual_search.py`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import yaml

from station.domain.messages import Msg
from station.domain.phone import BY_CODE as PHONE_CATEGORIES

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
TITLE_MAX = 120
BODY_MAX = 20_000
KEYWORDS_MAX = 30
SOURCES_MAX = 20
QUESTION_MAX = 500
REASON_MAX = 500
RULE_REF = re.compile(r"〔([^〕]+)〕")
MARKS = {c.mark: c.code for c in PHONE_CATEGORIES.values()}
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when the wheel has it: ten times faster


@dataclass(frozen=True)
class ArticleDoc:
    """One article's content: what its file holds and what every version keeps."""

    slug: str
    title: str
    body: str
    categories: tuple[int, ...] = ()
    procedures: tuple[str, ...] = ()
    steps: tuple[str, ...] = ()  # "procedure.step" the article answers in a case (e.g. "issuance.documents")
    keywords: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()  # official pages (ministry, J-LIS, the city), as text
    seed_rules: tuple[str, ...] = ()  # the seed rules the article is written from (D-DOC-1 …)
    reviewed_on: date | None = None

    def with_changes(self, **changes: Any) -> ArticleDoc:
        return replace(self, **changes)


# --- files: Markdown with front matter --------------------------------------------------------------------
class FileError(ValueError):
    """A manual file that cannot be read; `msg` says why in the catalog's words."""

    def __init__(self, name: str, msg: Msg) -> None:
        super().__init__(f"{name}: {msg.code} {dict(msg.params)}")
        self.name = name
        self.msg = msg


def _tuple(value: Any) -> tuple[Any, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return tuple(v.strip() for v in re.split(r"[,、]", value) if v.strip())
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,)


def _category(value: Any) -> int:
    if isinstance(value, str) and value.strip() in MARKS:
        return MARKS[value.strip()]
    return int(value)


def parse_file(name: str, text: str) -> ArticleDoc:
    """An article from a Markdown file: `---` front matter (YAML) then the body. The slug defaults to the
    file name without `.md`."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    meta: dict[str, Any] = {}
    body = text
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end < 0:
            raise FileError(name, Msg.of("manual.file.front_matter_open"))
        try:
            loaded = yaml.load(text[4:end], Loader=_LOADER) or {}
        except yaml.YAMLError as e:
            raise FileError(name, Msg.of("manual.file.front_matter_bad", detail=str(e).splitlines()[0])) from e
        if not isinstance(loaded, dict):
            raise FileError(name, Msg.of("manual.file.front_matter_bad", detail="not a mapping"))
        meta = loaded
        body = text[end + 4:].lstrip("\n")
    stem = name.rsplit("/", 1)[-1].removesuffix(".md")
    try:
        reviewed = meta.get("reviewed")
        doc = ArticleDoc(
            slug=str(meta.get("slug") or stem), title=str(meta.get("title") or "").strip(), body=body.rstrip() + "\n",
            categories=tuple(_category(c) for c in _tuple(meta.get("categories"))),
            procedures=tuple(str(p) for p in _tuple(meta.get("procedures"))),
            steps=tuple(str(p) for p in _tuple(meta.get("steps"))),
            keywords=tuple(str(k) for k in _tuple(meta.get("keywords"))),
            sources=tuple(str(k) for k in _tuple(meta.get("sources"))),
            seed_rules=tuple(str(k) for k in _tuple(meta.get("seed_rules"))),
            reviewed_on=reviewed if isinstance(reviewed, date) else date.fromisoformat(str(reviewed))
            if reviewed else None,
        )
    except (TypeError, ValueError) as e:
        raise FileError(name, Msg.of("manual.file.front_matter_bad", detail=str(e))) from e
    return doc


def render_file(doc: ArticleDoc) -> str:
    """The Markdown file of an article; `parse_file(render_file(d)) == d` for a valid article."""
    meta: dict[str, Any] = {"slug": doc.slug, "title": doc.title}
    for key, value in (("categories", list(doc.categories)), ("procedures", list(doc.procedures)),
                       ("steps", list(doc.steps)), ("keywords", list(doc.keywords)), ("sources", list(doc.sources)),
                       ("seed_rules", list(doc.seed_rules))):
        if value:
            meta[key] = value
    if doc.reviewed_on:
        meta["reviewed"] = doc.reviewed_on
    head = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, default_flow_style=None, width=1000)
    return f"---\n{head}---\n\n{doc.body.rstrip()}\n"


def file_name(doc: ArticleDoc) -> str:
    return f"{doc.slug}.md"


# --- validation -------------------------------------------------------------------------------------------
def check(doc: ArticleDoc, procedures: Iterable[str] = ()) -> list[Msg]:
    """What is wrong with an article (empty: it may be published). `procedures`: the catalog's codes."""
    known = set(procedures)
    out: list[Msg] = []
    if not SLUG.match(doc.slug):
        out.append(Msg.of("manual.invalid.slug", slug=doc.slug))
    if not doc.title.strip():
        out.append(Msg.of("manual.invalid.title_empty"))
    elif len(doc.title) > TITLE_MAX:
        out.append(Msg.of("manual.invalid.title_long", max=TITLE_MAX))
    if not doc.body.strip():
        out.append(Msg.of("manual.invalid.body_empty"))
    elif len(doc.body) > BODY_MAX:
        out.append(Msg.of("manual.invalid.body_long", max=BODY_MAX))
    bad = [c for c in doc.categories if c not in PHONE_CATEGORIES]
    if bad:
        out.append(Msg.of("manual.invalid.category", value=",".join(map(str, bad))))
    if known:
        unknown = [p for p in doc.procedures if p not in known]
        unknown += [s for s in doc.steps if s.split(".", 1)[0] not in known]
        if unknown:
            out.append(Msg.of("manual.invalid.procedure", value=",".join(unknown)))
    if len(doc.keywords) > KEYWORDS_MAX:
        out.append(Msg.of("manual.invalid.keywords", max=KEYWORDS_MAX))
    if len(doc.sources) > SOURCES_MAX:
        out.append(Msg.of("manual.invalid.sources", max=SOURCES_MAX))
    return out


def same_content(a: ArticleDoc, b: ArticleDoc) -> bool:
    """Unchanged for the reader (an import of an unchanged file makes no new version)."""
    return (a.title, a.body.rstrip(), a.categories, a.procedures, a.steps, a.keywords, a.sources, a.seed_rules,
            a.reviewed_on) == (b.title, b.body.rstrip(), b.categories, b.procedures, b.steps, b.keywords,
                               b.sources, b.seed_rules, b.reviewed_on)


def uncited_sentences(body: str) -> list[str]:
    """Sentences of a body that cite no seed rule 〔…〕 (the shipped starter manual has none)."""
    out = []
    for raw in body.splitlines():
        if raw.lstrip().startswith("#") or set(raw.strip()) <= set("|-: "):
            continue  # headings name a section; they state nothing
        line = re.sub(r"^(\d+\.|[-*>])\s*", "", raw.strip())
        for sentence in re.split(r"(?<=[。！？])", line):
            s = sentence.strip()
            if s and not RULE_REF.search(s) and not s.startswith("〔"):
                out.append(s)
    return out


def cited_rules(body: str) -> list[str]:
    """Every rule id cited in a body, e.g. 〔D-DOC-1, D-DOC-2〕 → D-DOC-1, D-DOC-2."""
    return [r.strip() for m in RULE_REF.finditer(body) for r in re.split(r"[,、・]", m.group(1)) if r.strip()]


# --- versions and proposals -------------------------------------------------------------------------------
@dataclass(frozen=True)
class DiffLine:
    op: str  # "same" | "add" | "del"
    text: str


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class Diff:
    title: list[DiffLine] = field(default_factory=list)
    body: list[DiffLine] = field(default_factory=list)
    fields: list[FieldChange] = field(default_factory=list)


def _lines(a: Sequence[str], b: Sequence[str]) -> list[DiffLine]:
    out: list[DiffLine] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            out += [DiffLine("same", t) for t in a[i1:i2]]
            continue
        out += [DiffLine("del", t) for t in a[i1:i2]]
        out += [DiffLine("add", t) for t in b[j1:j2]]
    return out


def diff(old: ArticleDoc | None, new: ArticleDoc) -> Diff:
    """What changed between two versions, line by line (an article's first version: everything added)."""
    before = old or ArticleDoc(slug=new.slug, title="", body="")
    fields = []
    for name in ("categories", "procedures", "steps", "keywords", "sources", "reviewed_on"):
        a, b = getattr(before, name), getattr(new, name)
        if a != b:
            fmt = (lambda v: ", ".join(map(str, v))) if isinstance(a, tuple) else (lambda v: str(v or ""))
            fields.append(FieldChange(name, fmt(a), fmt(b)))
    title = _lines([before.title] if before.title else [], [new.title])
    return Diff(title=title, body=_lines(before.body.rstrip().splitlines(), new.body.rstrip().splitlines()),
                fields=fields)


PROPOSAL_OPEN = "open"
PROPOSAL_ACCEPTED = "accepted"
PROPOSAL_REJECTED = "rejected"
ORIGINS = ("article", "phone", "case", "search", "counter")


def check_proposal(title: str, body: str, question: str, origin: str, article_exists: bool | None) -> list[Msg]:
    """A proposal needs the text it proposes and the question that prompted it (D-ALL-3)."""
    out: list[Msg] = []
    if origin not in ORIGINS:
        out.append(Msg.of("manual.invalid.origin", value=origin))
    if not body.strip():
        out.append(Msg.of("manual.invalid.body_empty"))
    elif len(body) > BODY_MAX:
        out.append(Msg.of("manual.invalid.body_long", max=BODY_MAX))
    if article_exists is False:
        out.append(Msg.of("manual.not_found"))
    if article_exists is None and not title.strip():
        out.append(Msg.of("manual.invalid.title_empty"))
    if len(title) > TITLE_MAX:
        out.append(Msg.of("manual.invalid.title_long", max=TITLE_MAX))
    if not question.strip():
        out.append(Msg.of("manual.invalid.question_empty"))
    elif len(question) > QUESTION_MAX:
        out.append(Msg.of("manual.invalid.question_long", max=QUESTION_MAX))
    return out


def check_decision(status: str, decision: str, reason: str) -> Msg | None:
    """City staff decide an open proposal once: accept (as written or edited) or reject with a reason."""
    if status != PROPOSAL_OPEN:
        return Msg.of("manual.proposal.decided", status=status)
    if decision == "reject" and not reason.strip():
        return Msg.of("manual.proposal.reason_needed")
    if len(reason) > REASON_MAX:
        return Msg.of("manual.invalid.reason_long", max=REASON_MAX)
    return None


def slug_for(title: str, taken: Iterable[str]) -> str:
    """A slug for a new article proposed without one: ASCII from the title, else `article-N`."""
    used = set(taken)
    base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "article"
    n, slug = 1, base
    while slug in used or not SLUG.match(slug):
        n += 1
        slug = f"{base}-{n}"
    return slug


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"
