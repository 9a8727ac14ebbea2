"""The operating manual's SQL, and the only code that knows how each database searches it (issue 16).

SQLite: the folded title, keywords and body are copied into an FTS5 table with the `trigram` tokenizer
(rowid = article id) whenever an article is published; a query asks for any of its trigrams and lets bm25
order the candidates. PostgreSQL: pg_trgm's word similarity over the folded text, served by a GIN index.
Terms shorter than three characters have no trigram: both fall back to LIKE on the folded text (a scan of
a table of a few thousand rows, a few milliseconds). Either way the database only narrows; the ranking
is station.domain.manual_search's, so SQLite and PostgreSQL answer alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.orm import Session

from station.domain import manual_search as search
from station.domain.calendar import TOKYO
from station.domain.manual import ArticleDoc
from station.store.db import insert_on_conflict
from station.store.models_manual import ManualArticle, ManualMiss, ManualProposal, ManualRead, ManualVersion

CANDIDATES = 30


# --- encoding of list fields ------------------------------------------------------------------------------
def join_list(values: Sequence[object], sep: str = ",") -> str:
    return f"{sep}{sep.join(map(str, values))}{sep}" if values else ""


def split_list(value: str, sep: str = ",") -> tuple[str, ...]:
    return tuple(v for v in (value or "").split(sep) if v)


def doc_of(row: ManualArticle | ManualVersion, slug: str) -> ArticleDoc:
    return ArticleDoc(
        slug=slug, title=row.title, body=row.body, categories=tuple(int(c) for c in split_list(row.categories)),
        procedures=split_list(row.procedures), steps=split_list(row.steps), keywords=split_list(row.keywords, "\n"),
        sources=split_list(row.sources, "\n"), seed_rules=split_list(row.seed_rules), reviewed_on=row.reviewed_on)


def _content(doc: ArticleDoc) -> dict[str, object]:
    return {"title": doc.title, "body": doc.body, "categories": join_list(doc.categories),
            "procedures": join_list(doc.procedures), "steps": join_list(doc.steps),
            "keywords": join_list(doc.keywords, "\n"), "sources": join_list(doc.sources, "\n"),
            "seed_rules": join_list(doc.seed_rules), "reviewed_on": doc.reviewed_on}


def indexed_of(row: ManualArticle) -> search.Indexed:
    return search.Indexed(id=row.id, title=row.fold_title, keywords=row.fold_keywords, body=row.fold_body,
                          reading=row.fold_reading, categories=tuple(int(c) for c in split_list(row.categories)),
                          procedures=split_list(row.procedures), steps=split_list(row.steps), reads=row.reads)


# --- articles and versions ------------------------------------------------------------------------------
def article(s: Session, slug: str) -> ManualArticle | None:
    return s.scalar(select(ManualArticle).where(ManualArticle.slug == slug))


def article_by_id(s: Session, article_id: int) -> ManualArticle | None:
    return s.get(ManualArticle, article_id)


def articles(s: Session, category: int | None = None, procedure: str | None = None,
             step: str | None = None) -> list[ManualArticle]:
    q = select(ManualArticle)
    if category is not None:
        q = q.where(ManualArticle.categories.contains(f",{int(category)},"))
    if procedure:
        q = q.where(ManualArticle.procedures.contains(f",{procedure},"))
    if procedure and step:
        q = q.where(ManualArticle.steps.contains(f",{procedure}.{step},"))
    return list(s.scalars(q.order_by(ManualArticle.slug)))


def rows_by_id(s: Session, ids: Sequence[int]) -> list[ManualArticle]:
    return list(s.scalars(select(ManualArticle).where(ManualArticle.id.in_(list(ids))))) if ids else []


def hit_rows(s: Session, ids: Sequence[int]) -> dict[int, Any]:
    """What a search hit shows (slug, title, body, version), without loading whole rows."""
    if not ids:
        return {}
    q = select(ManualArticle.id, ManualArticle.slug, ManualArticle.title, ManualArticle.body, ManualArticle.version)
    return {r.id: r for r in s.execute(q.where(ManualArticle.id.in_(list(ids))))}


def slugs(s: Session) -> list[str]:
    return list(s.scalars(select(ManualArticle.slug)))


def publish(s: Session, doc: ArticleDoc, at: datetime, written_by: str, approved_by: str,
            proposal_id: int | None = None, note: str = "", reading: str = "") -> tuple[ManualArticle, ManualVersion]:
    """A new version of `doc`, made the published one, and the search index brought along.

    `reading`: the kana reading of the article (from the service's reader), so that a query typed in kana
    finds text written in kanji."""
    row = s.scalar(select(ManualArticle).where(ManualArticle.slug == doc.slug).with_for_update())
    content = _content(doc)
    folded = {"fold_title": search.fold(doc.title), "fold_keywords": " ".join(search.fold(k) for k in doc.keywords),
              "fold_body": search.fold(doc.body), "fold_reading": search.fold(reading)}
    folded["fold_all"] = " ".join(v for v in (folded["fold_title"], folded["fold_keywords"], folded["fold_body"],
                                              folded["fold_reading"]) if v)
    if row is None:
        row = ManualArticle(slug=doc.slug, version=1, updated_at=at, updated_by=approved_by, reads=0,
                            **content, **folded)
        s.add(row)
    else:
        row.version += 1
        row.updated_at, row.updated_by = at, approved_by
        for k, v in {**content, **folded}.items():
            setattr(row, k, v)
    s.flush()
    version = ManualVersion(article_id=row.id, version=row.version, published_at=at, written_by=written_by,
                            approved_by=approved_by, proposal_id=proposal_id, note=note[:200], **content)
    s.add(version)
    _index(s, row)
    s.flush()
    return row, version


def set_reading(s: Session, doc: ArticleDoc, reading: str) -> bool:
    """Give the published article its kana reading, if it is still the text the reading was made from."""
    row = s.scalar(select(ManualArticle).where(ManualArticle.slug == doc.slug).with_for_update())
    if row is None or doc_of(row, row.slug) != doc:
        return False
    row.fold_reading = search.fold(reading)
    row.fold_all = " ".join(v for v in (row.fold_title, row.fold_keywords, row.fold_body, row.fold_reading) if v)
    s.flush()
    _index(s, row)
    return True


def _index(s: Session, row: ManualArticle) -> None:
    if s.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL: the GIN index on fold_all follows the row
    s.execute(text("DELETE FROM manual_fts WHERE rowid = :id"), {"id": row.id})
    s.execute(text("INSERT INTO manual_fts (rowid, title, keywords, body, reading) VALUES (:id, :t, :k, :b, :r)"),
              {"id": row.id, "t": row.fold_title, "k": row.fold_keywords, "b": row.fold_body, "r": row.fold_reading})


def versions(s: Session, article_id: int) -> list[ManualVersion]:
    return list(s.scalars(select(ManualVersion).where(ManualVersion.article_id == article_id)
                          .order_by(ManualVersion.version.desc())))


def version(s: Session, article_id: int, number: int) -> ManualVersion | None:
    return s.scalar(select(ManualVersion).where(ManualVersion.article_id == article_id,
                                                ManualVersion.version == number))


def edition(s: Session) -> tuple[int, datetime | None]:
    """The manual's edition: the newest version's number across all articles, and when it was published."""
    n, at = s.execute(select(func.max(ManualVersion.id), func.max(ManualVersion.published_at))).one()
    return int(n or 0), at


def count_read(s: Session, article_id: int, month: str) -> int:
    """One more reading, on the article and in the month's count; the article's new total."""
    reads = s.scalar(update(ManualArticle).where(ManualArticle.id == article_id)
                     .values(reads=ManualArticle.reads + 1).returning(ManualArticle.reads)
                     .execution_options(synchronize_session=False))
    stmt = insert_on_conflict(s.connection(), ManualRead).values(month=month, article_id=article_id, count=1)
    s.execute(stmt.on_conflict_do_update(index_elements=["month", "article_id"],
                                         set_={"count": ManualRead.count + 1}))
    return int(reads or 0)


def reads_in(s: Session, month: str) -> dict[int, int]:
    return {int(a): int(n) for a, n in s.execute(select(ManualRead.article_id, ManualRead.count)
                                                 .where(ManualRead.month == month))}


# --- search ---------------------------------------------------------------------------------------------
_INDEXED = (ManualArticle.id, ManualArticle.fold_title, ManualArticle.fold_keywords, ManualArticle.fold_body,
            ManualArticle.fold_reading, ManualArticle.categories, ManualArticle.procedures, ManualArticle.steps,
            ManualArticle.reads)


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _ids_sqlite(s: Session, match: str, limit: int, ordered: bool, context_where: str = "",
                params: dict[str, object] | None = None) -> list[int]:
    order = "ORDER BY bm25(manual_fts, 3.0, 2.5, 1.0, 0.9) " if ordered else ""
    join = "JOIN manual_articles a ON a.id = manual_fts.rowid " if context_where else ""
    extra = f"AND {context_where} " if context_where else ""
    sql = f"SELECT manual_fts.rowid FROM manual_fts {join}WHERE manual_fts MATCH :m {extra}{order}LIMIT :n"
    return [int(r[0]) for r in s.execute(text(sql), {"m": match, "n": limit, **(params or {})})]


def _ids_pg(s: Session, pieces: Sequence[str], how: str, limit: int, context_where: str = "",
            params: dict[str, object] | None = None) -> list[int]:
    """pg_trgm's GIN index serves LIKE '%piece%' on fold_all. how: "top" (every piece in the title or the
    keywords, title first), "all" (every piece anywhere, unordered), "any" (most pieces found first)."""
    binds = {f"p{i}": _like(p) for i, p in enumerate(pieces)}
    n = range(len(pieces))
    order = ""
    if how == "top":
        where = " AND ".join(f"(fold_title LIKE :p{i} OR fold_keywords LIKE :p{i})" for i in n)
        order = "ORDER BY " + " + ".join(f"(CASE WHEN fold_title LIKE :p{i} THEN 1 ELSE 0 END)" for i in n) + " DESC "
    elif how == "all":
        where = " AND ".join(f"fold_all LIKE :p{i}" for i in n)
    else:
        where = " OR ".join(f"fold_all LIKE :p{i}" for i in n)
        order = "ORDER BY " + " + ".join(f"(CASE WHEN fold_all LIKE :p{i} THEN 1 ELSE 0 END)" for i in n) + " DESC "
    extra = f" AND {context_where}" if context_where else ""
    sql = f"SELECT id FROM manual_articles a WHERE ({where}){extra} {order}LIMIT :n"
    return [int(r[0]) for r in s.execute(text(sql), {**binds, "n": limit, **(params or {})})]


def _matching(s: Session, terms: Sequence[str], limit: int, where: str, params: dict[str, object]) -> list[int]:
    """Ids for terms of three characters or more: those with every term in the title or keywords (ranked),
    then any with every term anywhere (the database need not rank those: they all score alike), and only
    when nothing holds them all, typo-tolerant pieces ranked by how many match (a typo, a missing
    character). Why not always the pieces: a common piece (かーど) is in every article, and ranking them all
    is what made a search slow."""
    if s.get_bind().dialect.name == "sqlite":
        exact = search.fts5_exact(terms)
        found = _ids_sqlite(s, "{title keywords reading} : (" + exact + ")", limit, True, where, params)
        found += _ids_sqlite(s, exact, limit, False, where, params)
        if not found:
            found += _ids_sqlite(s, search.fts5_query(terms), limit, True, where, params)
        return found
    # The planner underrates LIKE on Japanese text and would scan the table instead of using pg_trgm's index;
    # with scans priced out, it must not take the price for a reason to JIT-compile (hundreds of ms).
    s.execute(text("SET LOCAL enable_seqscan = off"))
    s.execute(text("SET LOCAL jit = off"))
    found = _ids_pg(s, terms, "top", limit, where, params) + _ids_pg(s, terms, "all", limit, where, params)
    if not found:
        pieces = list(dict.fromkeys(p for t in terms for p in search.fuzzy_pieces(t)))
        found += _ids_pg(s, pieces, "any", limit, where, params)
    return found


def candidates(s: Session, terms: Sequence[str], context: search.Context,
               limit: int = CANDIDATES) -> list[search.Indexed]:
    """Articles that may answer `terms` (folded), and with a context its own matching articles; unranked
    (station.domain.manual_search ranks them the same on both databases)."""
    ids: dict[int, None] = {}
    long_terms = [t for t in terms if len(t) >= 3]
    short_terms = [t for t in terms if len(t) < 3]
    ctx_where, ctx_params = _context_where(context)
    scopes: list[tuple[str, dict[str, object]]] = [("", {})] + ([(ctx_where, ctx_params)] if ctx_where else [])
    if long_terms:
        for where, params in scopes:
            ids.update((i, None) for i in _matching(s, long_terms, limit, where, params))
    if short_terms and s.get_bind().dialect.name != "sqlite":
        s.execute(text("SET LOCAL enable_seqscan = on"))  # under three characters pg_trgm has no trigram
    for t in short_terms:
        for where, params in scopes:
            extra = f" AND {where}" if where else ""
            # a plain substring test (instr / strpos) is cheaper than LIKE for the scan these terms need
            find = "instr(fold_all, :t)" if s.get_bind().dialect.name == "sqlite" else "strpos(fold_all, :t)"
            ids.update((int(r[0]), None) for r in s.execute(text(
                f"SELECT id FROM manual_articles a WHERE {find} > 0{extra} LIMIT :n"), {"t": t, "n": limit, **params}))
    if not terms and not context.empty:
        ids.update((r.id, None) for r in s.execute(select(ManualArticle.id).where(*_context_filters(context))))
    if not ids:
        return []
    rows = s.execute(select(*_INDEXED).where(ManualArticle.id.in_(list(ids))))
    return [search.Indexed(id=r.id, title=r.fold_title, keywords=r.fold_keywords, body=r.fold_body,
                           reading=r.fold_reading, categories=tuple(int(c) for c in split_list(r.categories)),
                           procedures=split_list(r.procedures), steps=split_list(r.steps), reads=r.reads)
            for r in rows]


def _context_filters(context: search.Context) -> list[object]:
    out = []
    if context.category is not None:
        out.append(ManualArticle.categories.contains(f",{int(context.category)},"))
    if context.procedure:
        out.append(ManualArticle.procedures.contains(f",{context.procedure},"))
    return [or_(*out)] if out else []


def _context_where(context: search.Context) -> tuple[str, dict[str, object]]:
    """The context as SQL over `manual_articles a`: the category's or the procedure's articles."""
    parts, params = [], {}
    if context.category is not None:
        parts.append("a.categories LIKE :ctx_cat")
        params["ctx_cat"] = f"%,{int(context.category)},%"
    if context.procedure:
        parts.append("a.procedures LIKE :ctx_proc")
        params["ctx_proc"] = _like(f",{context.procedure},")
    return ("(" + " OR ".join(parts) + ")" if parts else ""), params


def bare_search(s: Session, term: str, limit: int = 20) -> list[int]:
    """The database's own indexed full-text query for one folded term, nothing more (the bench's baseline):
    an FTS5 phrase on SQLite, a pg_trgm-indexed LIKE on PostgreSQL."""
    if s.get_bind().dialect.name == "sqlite":
        sql = "SELECT rowid FROM manual_fts WHERE manual_fts MATCH :q ORDER BY rank LIMIT :n"
        return [int(r[0]) for r in s.execute(text(sql), {"q": search.fts5_exact([term]), "n": limit})]
    s.execute(text("SET LOCAL enable_seqscan = off"))  # as in _matching: the index, not a scan
    s.execute(text("SET LOCAL jit = off"))
    return [int(r[0]) for r in s.execute(text("SELECT id FROM manual_articles WHERE fold_all LIKE :q LIMIT :n"),
                                         {"q": _like(term), "n": limit})]


def count_miss(s: Session, month: str, query: str, category: int | None, at: datetime) -> None:
    stmt = insert_on_conflict(s.connection(), ManualMiss).values(month=month, query=query[:100], count=1,
                                                                 category=category, last_at=at)
    s.execute(stmt.on_conflict_do_update(index_elements=["month", "query"],
                                         set_={"count": ManualMiss.count + 1, "last_at": at}))


def misses(s: Session, month: str) -> list[ManualMiss]:
    return list(s.scalars(select(ManualMiss).where(ManualMiss.month == month)
                          .order_by(ManualMiss.count.desc(), ManualMiss.query)))


def misses_like(s: Session, folded_terms: Sequence[str], since_month: str) -> int:
    """How often searches that found nothing looked like this question (any term in the folded query)."""
    if not folded_terms:
        return 0
    cond = [ManualMiss.query.contains(t) for t in folded_terms if len(t) >= 2]
    if not cond:
        return 0
    return int(s.scalar(select(func.coalesce(func.sum(ManualMiss.count), 0))
                        .where(ManualMiss.month >= since_month, or_(*cond))) or 0)


# --- proposals ------------------------------------------------------------------------------------------
def add_proposal(s: Session, **values: object) -> ManualProposal:
    p = ManualProposal(**values)
    s.add(p)
    s.flush()
    return p


def proposal(s: Session, proposal_id: int, *, for_update: bool = False) -> ManualProposal | None:
    q = select(ManualProposal).where(ManualProposal.id == proposal_id)
    return s.scalar(q.with_for_update() if for_update else q)


def proposals(s: Session, status: str | None = None, month: str | None = None) -> list[ManualProposal]:
    q = select(ManualProposal)
    if status:
        q = q.where(ManualProposal.status == status)
    rows = list(s.scalars(q.order_by(ManualProposal.proposed_at.desc(), ManualProposal.id.desc())))
    if month:
        rows = [p for p in rows if p.proposed_at.astimezone(TOKYO).strftime("%Y-%m") == month]
    return rows

