"""The operating manual's use cases (issue 16, D-ALL-3): read, search, propose, review, import and export.

Who may do what is the route table's business (web/security.py); here: a clerk's proposal is only a
proposal until city staff accept it, and the counter always reads the published version. Every write goes
through one unit of work, so a published version and its audit entry commit together. Nothing personal is
kept: a "not found" search is counted per month and folded text, never with who searched (D-ALL-2).
"""

from __future__ import annotations

import io
import logging
import threading
import time
import zipfile
from collections.abc import Callable, Iterable, Mapping
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from station.clock import Clock
from station.domain import manual as rules
from station.domain import manual_search as search
from station.domain.calendar import business_date
from station.domain.messages import Msg
from station.domain.phone import BY_CODE as PHONE_CATEGORIES
from station.messages import both
from station.services import manual_reading
from station.services.audit import Actor
from station.services.errors import Invalid, NotFound
from station.services.manual_views import (
    ArticleSummary,
    ArticleView,
    DiffLineView,
    DiffView,
    Edition,
    FieldChangeView,
    ImportProblem,
    ImportResult,
    MissView,
    ProposalView,
    ReadCount,
    SearchHit,
    SearchResult,
    UnansweredReport,
    VersionSummary,
    VersionView,
)
from station.store import manual_repo as repo
from station.store.models_manual import ManualArticle, ManualProposal, ManualVersion
from station.store.uow import UnitOfWork

log = logging.getLogger(__name__)
STARTER_DIR = Path(__file__).resolve().parent.parent.parent / "config" / "manual"
ASKED_DAYS = 30


def starter_dir(config_file: Path | None) -> Path:
    """`manual/` beside the station's config file (the city's own), else the shipped starter manual."""
    if config_file is not None:
        beside = Path(config_file).parent / "manual"
        if beside.is_dir():
            return beside
    return STARTER_DIR


@cache
def _markdown() -> Any:
    from markdown_it import MarkdownIt

    # html=False: raw HTML in an article is shown as text; markdown-it refuses javascript:/data: links itself.
    return MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False}).enable("table")


def render_html(markdown: str) -> str:
    return str(_markdown().render(markdown))


def reading_text(doc: rules.ArticleDoc) -> str:
    """What an article's kana reading is made from: its title, keywords and text without Markdown."""
    return "\n".join((doc.title, " ".join(doc.keywords), search.plain(doc.body)))


def _marks(categories: Iterable[int]) -> list[str]:
    return [PHONE_CATEGORIES[c].mark for c in categories if c in PHONE_CATEGORIES]


class ManualService:
    def __init__(self, uow: UnitOfWork, reads: sessionmaker[Session], clock: Clock, *,
                 procedures: Callable[[], Iterable[str]] = tuple,
                 phone_counts: Callable[[date], Mapping[str, Any]] | None = None,
                 starter: Path = STARTER_DIR, reader: Callable[[list[str]], list[str]] | None = None) -> None:
        self.uow = uow
        self.reads = reads
        self.clock = clock
        self.procedures = procedures
        self.phone_counts = phone_counts
        self.starter = starter
        self.reader = reader
        self._reading_threads: list[threading.Thread] = []
        self._pdf: tuple[int, bytes] | None = None

    def _readings(self, docs: Iterable[rules.ArticleDoc]) -> dict[str, str]:
        """The kana readings already known for articles about to be published (for queries typed in kana),
        by slug. Unknown ones are computed after the commit (`_read_later`): the reader starts a child
        process, which a clerk or city staff must not wait for."""
        docs = list(docs)
        if self.reader is None or not docs:
            return {}
        found = manual_reading.known([reading_text(d) for d in docs])
        return {d.slug: r for d, r in zip(docs, found, strict=True) if r}

    def _read_later(self, docs: Iterable[rules.ArticleDoc], known: Mapping[str, str]) -> Callable[[], None]:
        """After-commit work: readings for the articles published without one, in a background thread."""
        missing = [d for d in docs if d.slug not in known]

        def start() -> None:
            if self.reader is None or not missing:
                return
            t = threading.Thread(target=self._fill_readings, args=(missing,), name="manual-readings", daemon=True)
            self._reading_threads.append(t)
            t.start()
        return start

    def _fill_readings(self, docs: list[rules.ArticleDoc]) -> None:
        try:
            assert self.reader is not None
            found = self.reader([reading_text(d) for d in docs])
            with self.uow.change() as ch:
                for d, r in zip(docs, found, strict=True):
                    if r:
                        repo.set_reading(ch.session, d, r)
        except Exception as e:  # the article is published; only kana queries miss it until the next edit
            log.warning("manual: readings not stored (%s)", e)

    def wait_readings(self, timeout: float | None = None) -> None:
        """Until the background readings are stored (tests, the bench, `station manual import`)."""
        for t in list(self._reading_threads):
            t.join(timeout)
        self._reading_threads = [t for t in self._reading_threads if t.is_alive()]

    def _month(self) -> str:
        return rules.month_of(business_date(self.clock.now()))

    # --- views ----------------------------------------------------------------------------------------
    @staticmethod
    def _summary(row: ManualArticle) -> ArticleSummary:
        d = repo.doc_of(row, row.slug)
        return ArticleSummary(slug=row.slug, title=d.title, version=row.version, categories=list(d.categories),
                              category_marks=_marks(d.categories), procedures=list(d.procedures),
                              steps=list(d.steps), keywords=list(d.keywords), reviewed_on=d.reviewed_on,
                              updated_at=row.updated_at, reads=row.reads)

    def _article_view(self, row: ManualArticle) -> ArticleView:
        d = repo.doc_of(row, row.slug)
        return ArticleView(**self._summary(row).model_dump(), body=d.body, html=render_html(d.body),
                           sources=list(d.sources), seed_rules=list(d.seed_rules), updated_by=row.updated_by)

    @staticmethod
    def _version_summary(v: ManualVersion) -> VersionSummary:
        return VersionSummary(version=v.version, edition=v.id, title=v.title, published_at=v.published_at,
                              written_by=v.written_by, approved_by=v.approved_by, proposal_id=v.proposal_id,
                              note=v.note)

    @staticmethod
    def _diff_view(slug: str, a: int | None, b: int | None, d: rules.Diff) -> DiffView:
        return DiffView(slug=slug, from_version=a, to_version=b,
                        title=[DiffLineView(op=x.op, text=x.text) for x in d.title],
                        body=[DiffLineView(op=x.op, text=x.text) for x in d.body],
                        fields=[FieldChangeView(field=f.field, before=f.before, after=f.after) for f in d.fields])

    def _proposal_view(self, s: Session, p: ManualProposal, with_diff: bool = False) -> ProposalView:
        art = repo.article_by_id(s, p.article_id) if p.article_id else None
        view = ProposalView(
            id=p.id, slug=art.slug if art else None, base_version=p.base_version,
            current_version=art.version if art else None, title=p.title or (art.title if art else ""), body=p.body,
            question=p.question, categories=[int(c) for c in repo.split_list(p.categories)], origin=p.origin,
            origin_ref=p.origin_ref, asked_count=p.asked_count, proposed_by=p.proposed_by,
            proposed_at=p.proposed_at, status=p.status, reviewed_by=p.reviewed_by, reviewed_at=p.reviewed_at,
            reason=p.reason, result_version=p.result_version)
        if with_diff:
            old = repo.doc_of(art, art.slug) if art else None
            new = self._proposed_doc(s, p, art)
            view.diff = self._diff_view(new.slug, art.version if art else None, None, rules.diff(old, new))
        return view

    # --- reading --------------------------------------------------------------------------------------
    def articles(self, category: int | None = None, procedure: str | None = None,
                 step: str | None = None) -> list[ArticleSummary]:
        """The published articles, or those serving a phone category / a case's procedure and step."""
        with self.reads() as s:
            return [self._summary(r) for r in repo.articles(s, category, procedure, step)]

    def _row(self, s: Session, slug: str) -> ManualArticle:
        row = repo.article(s, slug)
        if row is None:
            raise NotFound("manual.not_found", params={"slug": slug})
        return row

    def article(self, slug: str) -> ArticleView:
        with self.reads() as s:
            return self._article_view(self._row(s, slug))

    def count_read(self, slug: str) -> int:
        """One more reading of an article (counted per article and month, nobody named)."""
        with self.uow.change() as ch:
            row = self._row(ch.session, slug)
            return repo.count_read(ch.session, row.id, self._month())

    def versions(self, slug: str) -> list[VersionSummary]:
        with self.reads() as s:
            return [self._version_summary(v) for v in repo.versions(s, self._row(s, slug).id)]

    def version(self, slug: str, number: int) -> VersionView:
        with self.reads() as s:
            v = repo.version(s, self._row(s, slug).id, number)
            if v is None:
                raise NotFound("manual.version_not_found", params={"slug": slug, "version": number})
            d = repo.doc_of(v, slug)
            return VersionView(**self._version_summary(v).model_dump(), slug=slug, body=d.body,
                               html=render_html(d.body), categories=list(d.categories), procedures=list(d.procedures),
                               steps=list(d.steps), keywords=list(d.keywords), sources=list(d.sources),
                               reviewed_on=d.reviewed_on)

    def diff(self, slug: str, from_version: int | None = None, to_version: int | None = None) -> DiffView:
        """What changed between two versions (default: the published one against the one before it)."""
        with self.reads() as s:
            row = self._row(s, slug)
            b = to_version or row.version
            a = from_version if from_version is not None else b - 1
            new = repo.version(s, row.id, b)
            old = repo.version(s, row.id, a) if a >= 1 else None
            if new is None or (a >= 1 and old is None):
                raise NotFound("manual.version_not_found", params={"slug": slug, "version": b if new is None else a})
            return self._diff_view(slug, a if old else None, b,
                                   rules.diff(repo.doc_of(old, slug) if old else None, repo.doc_of(new, slug)))

    def edition(self) -> Edition:
        with self.reads() as s:
            n, at = repo.edition(s)
            return Edition(edition=n, published_at=at, articles=len(repo.slugs(s)))

    # --- search ---------------------------------------------------------------------------------------
    def search(self, query: str, *, category: int | None = None, procedure: str | None = None,
               step: str | None = None, limit: int = 10, count_miss: bool = True) -> SearchResult:
        """Ranked articles for a query, matched words highlighted; no query: the context's articles."""
        t0 = time.perf_counter()
        q_terms = search.terms(query)
        context = search.Context(category, procedure, step)
        with self.reads() as s:
            docs = repo.candidates(s, q_terms, context)
            ranked = search.rank(q_terms, docs, context, limit)
            rows = repo.hit_rows(s, [d.id for d, _ in ranked])
        hits = []
        for d, sc in ranked:
            r = rows[d.id]
            hits.append(SearchHit(slug=r.slug, title=r.title, title_html=search.highlight(r.title, q_terms),
                                  snippet_html=search.snippet(r.body, q_terms), score=round(sc, 3),
                                  in_context=context.serves(d) > 0, categories=list(d.categories),
                                  version=r.version))
        missed = bool(q_terms) and not any(search.score(q_terms, d) > 0 for d, _ in ranked)
        if missed and count_miss:
            with self.uow.change() as ch:
                repo.count_miss(ch.session, self._month(), " ".join(q_terms), category, self.clock.now())
        return SearchResult(query=query, terms=q_terms, hits=hits, took_ms=round((time.perf_counter() - t0) * 1000, 2),
                            miss_counted=missed and count_miss)

    # --- writing: city staff publish ------------------------------------------------------------------
    def _check(self, doc: rules.ArticleDoc) -> None:
        problems = rules.check(doc, self.procedures())
        if problems:
            raise Invalid(problems[0], problems=[both(p)[1] for p in problems])

    def put(self, doc: rules.ArticleDoc, actor: Actor, note: str = "") -> ArticleView:
        """City staff write an article directly: a new published version (none if nothing changed)."""
        self._check(doc)
        reading = self._readings([doc]).get(doc.slug, "")
        with self.uow.change() as ch:
            row = repo.article(ch.session, doc.slug)
            if row is not None and rules.same_content(repo.doc_of(row, doc.slug), doc):
                return self._article_view(row)
            row, v = repo.publish(ch.session, doc, self.clock.now(), actor.name, actor.name, note=note,
                                  reading=reading)
            ch.then(self._read_later([doc], {doc.slug: reading} if reading else {}))
            ch.audit(self.clock.now(), actor, "manual.publish", f"manual:{doc.slug}", f"version={v.version}")
            return self._article_view(row)

    def import_files(self, files: Mapping[str, str], actor: Actor, note: str = "import") -> ImportResult:
        """A folder of Markdown files, all or nothing: changed files become new versions, unchanged stay."""
        docs: list[rules.ArticleDoc] = []
        problems: list[ImportProblem] = []
        for name in sorted(files):
            try:
                doc = rules.parse_file(name, files[name])
            except rules.FileError as e:
                ja, en = both(e.msg)
                problems.append(ImportProblem(file=name, message_ja=ja, message_en=en))
                continue
            for p in rules.check(doc, self.procedures()):
                ja, en = both(p)
                problems.append(ImportProblem(file=name, message_ja=ja, message_en=en))
            docs.append(doc)
        seen = [d.slug for d in docs]
        for slug in {s for s in seen if seen.count(s) > 1}:
            ja, en = both(Msg.of("manual.file.duplicate_slug", slug=slug))
            problems.append(ImportProblem(file=slug, message_ja=ja, message_en=en))
        if problems:
            raise Invalid("manual.import_failed", params={"n": len(problems)},
                          problems=[p.model_dump() for p in problems])
        created, updated, unchanged = [], [], []
        readings = self._readings(docs)
        with self.uow.change() as ch:
            now = self.clock.now()
            for doc in docs:
                row = repo.article(ch.session, doc.slug)
                if row is not None and rules.same_content(repo.doc_of(row, doc.slug), doc):
                    unchanged.append(doc.slug)
                    continue
                (updated if row is not None else created).append(doc.slug)
                repo.publish(ch.session, doc, now, actor.name, actor.name, note=note,
                             reading=readings.get(doc.slug, ""))
            ch.then(self._read_later([d for d in docs if d.slug in created or d.slug in updated], readings))
            ch.audit(now, actor, "manual.import", "manual",
                     f"created={len(created)} updated={len(updated)} unchanged={len(unchanged)}")
            n, _ = repo.edition(ch.session)
        return ImportResult(created=created, updated=updated, unchanged=unchanged, edition=n)

    def import_dir(self, folder: Path, actor: Actor) -> ImportResult:
        files = {p.name: p.read_text(encoding="utf-8") for p in sorted(Path(folder).glob("*.md"))}
        return self.import_files(files, actor, note=f"import {Path(folder).name}")

    def import_zip(self, data: bytes, actor: Actor) -> ImportResult:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                files = {i.filename.rsplit("/", 1)[-1]: z.read(i).decode("utf-8") for i in z.infolist()
                         if i.filename.endswith(".md") and not i.is_dir()}
        except (zipfile.BadZipFile, UnicodeDecodeError) as e:
            raise Invalid("manual.file.bad_zip", params={"detail": str(e)}) from e
        return self.import_files(files, actor)

    def ensure_starter(self) -> int:
        """On a new database, the shipped starter manual (written from the seed) is the first edition."""
        with self.reads() as s:
            if repo.slugs(s):
                return 0
        if not self.starter.is_dir():
            return 0
        return len(self.import_dir(self.starter, Actor.system()).created)

    def export_files(self) -> dict[str, str]:
        """Every published article as its Markdown file (front matter + body)."""
        with self.reads() as s:
            return {rules.file_name(d): rules.render_file(d)
                    for d in (repo.doc_of(r, r.slug) for r in repo.articles(s))}

    def export_zip(self) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for name, content in self.export_files().items():
                z.writestr(f"manual/{name}", content)
        return buf.getvalue()

    # --- proposals (D-ALL-3) --------------------------------------------------------------------------
    def _asked(self, category: int | None, question: str) -> int:
        """How often this was asked: phone slips of its category (30 days) and missed searches like it.
        Read before the proposal's own transaction (the phone desk reads through its own sessions)."""
        with self.reads() as s:
            n = repo.misses_like(s, search.terms(question),
                                 rules.month_of(business_date(self.clock.now()) - timedelta(days=ASKED_DAYS)))
        if category is not None and self.phone_counts is not None:
            today = business_date(self.clock.now())
            for i in range(ASKED_DAYS):
                counts = self.phone_counts(today - timedelta(days=i))
                n += next((c["count"] for c in counts.get("by_category", []) if c["category"] == category), 0)
        return n

    def propose(self, actor: Actor, *, question: str, body: str, slug: str | None = None, title: str = "",
                categories: Iterable[int] = (), origin: str = "article", origin_ref: str = "") -> ProposalView:
        """A clerk's proposed change to an article (slug) or a new one (no slug), with its question."""
        cats = tuple(int(c) for c in categories)
        ref_category = origin_ref.split(":", 1)[1] if origin_ref.startswith("phone:") else ""
        category = cats[0] if cats else (int(ref_category) if ref_category.isdigit() else None)
        asked = self._asked(category, question)
        with self.uow.change() as ch:
            s = ch.session
            art = repo.article(s, slug) if slug else None
            problems = rules.check_proposal(title, body, question, origin, None if not slug else art is not None)
            problems += [Msg.of("manual.invalid.category", value=str(c)) for c in cats if c not in PHONE_CATEGORIES]
            if problems:
                if slug and art is None:
                    raise NotFound("manual.not_found", params={"slug": slug})
                raise Invalid(problems[0], problems=[both(p)[1] for p in problems])
            p = repo.add_proposal(
                s, article_id=art.id if art else None, base_version=art.version if art else None,
                title=title.strip(), body=body, question=question.strip(), categories=repo.join_list(cats),
                origin=origin, origin_ref=origin_ref[:64], asked_count=asked,
                proposed_by=actor.name, proposed_at=self.clock.now(), status=rules.PROPOSAL_OPEN, reason="")
            ch.audit(self.clock.now(), actor, "manual.propose", f"manual_proposal:{p.id}",
                     f"article={slug or '(new)'} origin={origin}")
            return self._proposal_view(s, p)

    def proposals(self, status: str | None = None) -> list[ProposalView]:
        with self.reads() as s:
            return [self._proposal_view(s, p) for p in repo.proposals(s, status)]

    def proposal(self, proposal_id: int) -> ProposalView:
        with self.reads() as s:
            p = repo.proposal(s, proposal_id)
            if p is None:
                raise NotFound("manual.proposal_not_found", params={"id": proposal_id})
            return self._proposal_view(s, p, with_diff=True)

    def _proposed_doc(self, s: Session, p: ManualProposal, art: ManualArticle | None,
                      edits: Mapping[str, Any] | None = None) -> rules.ArticleDoc:
        e = dict(edits or {})
        if art is not None:
            base = repo.doc_of(art, art.slug)
        else:
            base = rules.ArticleDoc(slug=e.get("slug") or rules.slug_for(p.title, repo.slugs(s)), title=p.title,
                                    body="", categories=tuple(int(c) for c in repo.split_list(p.categories)))
        changes: dict[str, Any] = {"body": p.body}
        if p.title:
            changes["title"] = p.title
        if art is not None and p.categories:
            changes["categories"] = tuple(int(c) for c in repo.split_list(p.categories))
        for key in ("title", "body"):
            if e.get(key):
                changes[key] = e[key]
        for key in ("categories", "procedures", "steps", "keywords", "sources"):
            if e.get(key) is not None:
                changes[key] = tuple(e[key])
        return base.with_changes(**changes)

    def accept(self, proposal_id: int, actor: Actor, edits: Mapping[str, Any] | None = None,
               note: str = "") -> ArticleView:
        """City staff accept (as proposed, or with their edits): a new version is published at once."""
        with self.reads() as s:
            p0 = repo.proposal(s, proposal_id)
            preview = self._proposed_doc(s, p0, repo.article_by_id(s, p0.article_id) if p0.article_id else None,
                                         edits) if p0 is not None else None
        readings = self._readings([preview]) if preview is not None else {}
        with self.uow.change() as ch:
            s = ch.session
            p = repo.proposal(s, proposal_id, for_update=True)
            if p is None:
                raise NotFound("manual.proposal_not_found", params={"id": proposal_id})
            problem = rules.check_decision(p.status, "accept", "")
            if problem:
                raise Invalid(problem)
            art = repo.article_by_id(s, p.article_id) if p.article_id else None
            doc = self._proposed_doc(s, p, art, edits)
            self._check(doc)
            now = self.clock.now()
            known = readings if preview is not None and rules.same_content(preview, doc) else {}
            row, v = repo.publish(s, doc, now, p.proposed_by, actor.name, proposal_id=p.id,
                                  note=note or f"proposal {p.id}", reading=known.get(doc.slug, ""))
            ch.then(self._read_later([doc], known))
            p.status, p.reviewed_by, p.reviewed_at = rules.PROPOSAL_ACCEPTED, actor.name, now
            p.result_version, p.reason = v.version, note
            ch.audit(now, actor, "manual.accept", f"manual_proposal:{p.id}",
                     f"article={row.slug} version={v.version} edited={bool(edits)}")
            self._pdf = None
            return self._article_view(row)

    def reject(self, proposal_id: int, actor: Actor, reason: str) -> ProposalView:
        with self.uow.change() as ch:
            p = repo.proposal(ch.session, proposal_id, for_update=True)
            if p is None:
                raise NotFound("manual.proposal_not_found", params={"id": proposal_id})
            problem = rules.check_decision(p.status, "reject", reason)
            if problem:
                raise Invalid(problem)
            now = self.clock.now()
            p.status, p.reviewed_by, p.reviewed_at, p.reason = rules.PROPOSAL_REJECTED, actor.name, now, reason.strip()
            ch.audit(now, actor, "manual.reject", f"manual_proposal:{p.id}", "")
            return self._proposal_view(ch.session, p)

    # --- the city's monthly list ----------------------------------------------------------------------
    def unanswered(self, month: str | None = None) -> UnansweredReport:
        """Searches with no result and the proposals of a month, counted (別紙1 5①)."""
        month = month or self._month()
        with self.reads() as s:
            misses = [MissView(query=m.query, count=m.count, category=m.category) for m in repo.misses(s, month)]
            props = [self._proposal_view(s, p) for p in repo.proposals(s, None, month)]
            reads = repo.reads_in(s, month)
            rows = {r.id: r for r in repo.rows_by_id(s, list(reads))}
            top = sorted(((rows[i].slug, rows[i].title, n) for i, n in reads.items() if i in rows),
                         key=lambda t: (-t[2], t[0]))
        return UnansweredReport(month=month, misses=misses, misses_total=sum(m.count for m in misses),
                                proposals=props, reads=[ReadCount(slug=a, title=b, count=c) for a, b, c in top])

    # --- printing -------------------------------------------------------------------------------------
    def pdf(self) -> tuple[bytes, int]:
        """The whole published manual as an A4 PDF for the counter's binder, dated with its edition."""
        from station.services.manual_print import manual_pdf

        with self.reads() as s:
            n, at = repo.edition(s)
            if self._pdf is not None and self._pdf[0] == n:
                return self._pdf[1], n
            docs = [repo.doc_of(r, r.slug) for r in repo.articles(s)]
            versions = {r.slug: r.version for r in repo.articles(s)}
        data = manual_pdf(docs, versions, n, business_date(at) if at else None, render_html)
        self._pdf = (n, data)
        return data, n


def build_manual(st: Any) -> ManualService:
    """The manual over the station's stores; procedures from the catalog, asked counts from the phone desk."""
    from station.store.uow import UnitOfWork

    cases = getattr(st, "cases", None)
    phone = getattr(st, "phone", None)
    return ManualService(
        UnitOfWork(st.sessions, st.bus), st.read_sessions, st.clock,
        procedures=lambda: [p.code for p in cases.catalog.procedures] if cases is not None else [],
        phone_counts=phone.counts_for if phone is not None else None,
        starter=starter_dir(st.settings.config_file), reader=manual_reading.readings)
