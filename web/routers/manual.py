"""The operating manual (運営マニュアル, issue 16): /api/manual/… and the /manual screens. Thin: the rules are in
station.services.manual; who may call what is web/security.py's ROUTE_POLICY (MANUAL_* permissions)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Request, Response, UploadFile, status
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from station.domain import manual as rules
from station.services.manual_views import (
    ArticleSummary,
    ArticleView,
    DiffView,
    Edition,
    ImportResult,
    ProposalView,
    SearchResult,
    UnansweredReport,
    VersionSummary,
    VersionView,
)
from web.deps import ActorDep, DbId, StationDep
from web.paging import PageDep
from web.schemas import ErrorOut

router = APIRouter(tags=["manual"])
ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut}, 409: {"model": ErrorOut},
                                           422: {"model": ErrorOut}}
Category = Query(None, ge=1, le=10, description="phone category 1..10 (①..⑩)")
CategoryNo = Annotated[int, Field(ge=1, le=10, description="phone category 1..10 (①..⑩)")]


class ArticleIn(BaseModel):
    """An article as city staff write it (the same fields as a file's front matter)."""

    title: str = Field(max_length=rules.TITLE_MAX)
    body: str = Field(max_length=rules.BODY_MAX, description="Markdown")
    categories: list[CategoryNo] = []
    procedures: list[str] = []
    steps: list[str] = []
    keywords: list[str] = []
    sources: list[str] = []
    seed_rules: list[str] = []
    reviewed_on: date | None = Field(None, description="YYYY-MM-DD")
    note: str = Field("", max_length=200)


class ProposalIn(BaseModel):
    """A proposed addition or change: the text, and the question that prompted it (no caller details)."""

    slug: str | None = Field(None, description="the article to change; empty for a new article")
    title: str = Field("", max_length=rules.TITLE_MAX)
    body: str = Field(max_length=rules.BODY_MAX, description="the proposed text (Markdown)")
    question: str = Field(max_length=rules.QUESTION_MAX)
    categories: list[CategoryNo] = []
    origin: str = Field("article", description="article | phone | case | search | counter")
    origin_ref: str = Field("", max_length=64, description="e.g. phone:4 (the category) or case:12")


class AcceptIn(BaseModel):
    """Accept as proposed, or with city staff's edits (any field given replaces the proposal's)."""

    title: str | None = Field(None, max_length=rules.TITLE_MAX)
    body: str | None = Field(None, max_length=rules.BODY_MAX)
    slug: str | None = Field(None, description="for a new article: its ID (default: from the title)")
    categories: list[CategoryNo] | None = None
    procedures: list[str] | None = None
    steps: list[str] | None = None
    keywords: list[str] | None = None
    sources: list[str] | None = None
    note: str = Field("", max_length=200)


class RejectIn(BaseModel):
    reason: str = Field(max_length=rules.REASON_MAX)


class ReadOut(BaseModel):
    slug: str
    reads: int


@router.get("/api/manual/articles", response_model=list[ArticleSummary])
def list_articles(station: StationDep, page: PageDep, request: Request, response: Response,
                  category: int | None = Category, procedure: str | None = None,
                  step: str | None = None) -> list[ArticleSummary]:
    """The published articles; with `category` (the phone key pressed) or `procedure`/`step` (a case) only theirs."""
    return page.fetch(lambda o, n: station.manual.articles(category, procedure, step)[o:o + n], request, response)


@router.get("/api/manual/search", response_model=SearchResult)
def search_manual(station: StationDep, q: str = Query("", max_length=200), category: int | None = Category,
                  procedure: str | None = None, step: str | None = None,
                  limit: int = Query(10, ge=1, le=50)) -> SearchResult:
    """Ranked full-text search (kana / width / variant tolerant), matches in <mark>; a miss is counted."""
    return station.manual.search(q, category=category, procedure=procedure, step=step, limit=limit)


@router.get("/api/manual/words", response_model=dict[str, str])
def words(request: Request) -> dict[str, str]:
    """The manual's screen words in the caller's language (for the panel on the phone desk and the case)."""
    return _words(request)


@router.get("/api/manual/edition", response_model=Edition)
def edition(station: StationDep) -> Edition:
    """The manual's edition (the newest version number across articles) and when it was published."""
    return station.manual.edition()


@router.get("/api/manual/articles/{slug}", response_model=ArticleView, responses=ERRORS)
def get_article(slug: str, station: StationDep) -> ArticleView:
    return station.manual.article(slug)


@router.put("/api/manual/articles/{slug}", response_model=ArticleView, responses=ERRORS)
def put_article(slug: str, body: ArticleIn, station: StationDep, actor: ActorDep) -> ArticleView:
    """City staff write an article directly: published at once as a new version."""
    doc = rules.ArticleDoc(slug=slug, title=body.title, body=body.body, categories=tuple(body.categories),
                           procedures=tuple(body.procedures), steps=tuple(body.steps), keywords=tuple(body.keywords),
                           sources=tuple(body.sources), seed_rules=tuple(body.seed_rules),
                           reviewed_on=body.reviewed_on)
    return station.manual.put(doc, actor, note=body.note)


@router.post("/api/manual/articles/{slug}/read", response_model=ReadOut, responses=ERRORS)
def count_read(slug: str, station: StationDep) -> ReadOut:
    """Count one reading of the article (per article and month; nobody is recorded)."""
    return ReadOut(slug=slug, reads=station.manual.count_read(slug))


@router.get("/api/manual/articles/{slug}/versions", response_model=list[VersionSummary], responses=ERRORS)
def list_versions(slug: str, station: StationDep, page: PageDep, request: Request,
                  response: Response) -> list[VersionSummary]:
    return page.fetch(lambda o, n: station.manual.versions(slug)[o:o + n], request, response)


@router.get("/api/manual/articles/{slug}/versions/{version}", response_model=VersionView, responses=ERRORS)
def get_version(slug: str, version: DbId, station: StationDep) -> VersionView:
    return station.manual.version(slug, version)


@router.get("/api/manual/articles/{slug}/diff", response_model=DiffView, responses=ERRORS)
def diff(slug: str, station: StationDep, from_version: int | None = Query(None, alias="from", ge=0, le=2**31 - 1),
         to_version: int | None = Query(None, alias="to", ge=1, le=2**31 - 1)) -> DiffView:
    """Line by line what changed (default: the published version against the one before)."""
    return station.manual.diff(slug, from_version, to_version)


@router.post("/api/manual/proposals", status_code=status.HTTP_201_CREATED, response_model=ProposalView,
             responses=ERRORS)
def propose(body: ProposalIn, station: StationDep, actor: ActorDep) -> ProposalView:
    """A clerk proposes (D-ALL-3); how often it was asked is counted from the phone slips and missed searches."""
    return station.manual.propose(actor, question=body.question, body=body.body, slug=body.slug or None,
                                  title=body.title, categories=body.categories, origin=body.origin,
                                  origin_ref=body.origin_ref)


@router.get("/api/manual/proposals", response_model=list[ProposalView])
def list_proposals(station: StationDep, page: PageDep, request: Request, response: Response,
                   status_: str | None = Query(None, alias="status")) -> list[ProposalView]:
    return page.fetch(lambda o, n: station.manual.proposals(status_)[o:o + n], request, response)


@router.get("/api/manual/proposals/{proposal_id}", response_model=ProposalView, responses=ERRORS)
def get_proposal(proposal_id: DbId, station: StationDep) -> ProposalView:
    """One proposal with its diff against the published version."""
    return station.manual.proposal(proposal_id)


@router.post("/api/manual/proposals/{proposal_id}/accept", response_model=ArticleView, responses=ERRORS)
def accept(proposal_id: DbId, body: AcceptIn, station: StationDep, actor: ActorDep) -> ArticleView:
    """City staff accept, as proposed or edited: the new version is what the counter shows from now on."""
    edits = body.model_dump(exclude={"note"}, exclude_none=True)
    return station.manual.accept(proposal_id, actor, edits or None, note=body.note)


@router.post("/api/manual/proposals/{proposal_id}/reject", response_model=ProposalView, responses=ERRORS)
def reject(proposal_id: DbId, body: RejectIn, station: StationDep, actor: ActorDep) -> ProposalView:
    return station.manual.reject(proposal_id, actor, body.reason)


@router.get("/api/manual/unanswered", response_model=UnansweredReport)
def unanswered(station: StationDep, month: str | None = Query(None, pattern=r"^\d{4}-\d{2}$")) -> UnansweredReport:
    """The city's monthly list: searches with no result and proposals, counted; and what was read."""
    return station.manual.unanswered(month)


@router.get("/api/manual/export", responses={200: {"content": {"application/zip": {}}}})
def export(station: StationDep) -> Response:
    """Every published article as a Markdown file with front matter, in a ZIP (the city's own copy)."""
    return Response(station.manual.export_zip(), media_type="application/zip",
                    headers={"Content-Disposition": 'attachment; filename="manual.zip"'})


@router.post("/api/manual/import", response_model=ImportResult, responses=ERRORS)
async def import_files(station: StationDep, actor: ActorDep, file: UploadFile = File(...)) -> ImportResult:
    """A ZIP of Markdown files (or one .md file): all or nothing; changed files become new versions."""
    from starlette.concurrency import run_in_threadpool

    data = await file.read()
    name = file.filename or "article.md"
    if name.endswith(".md"):
        text = data.decode("utf-8", errors="replace")
        return await run_in_threadpool(station.manual.import_files, {name: text}, actor)
    return await run_in_threadpool(station.manual.import_zip, data, actor)


@router.get("/api/manual/manual.pdf", responses={200: {"content": {"application/pdf": {}}}})
def pdf(station: StationDep) -> Response:
    """The whole published manual on A4 with a table of contents, dated with its edition."""
    data, n = station.manual.pdf()
    return Response(data, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="manual-{n}.pdf"'})


# --- screens ------------------------------------------------------------------------------------------
@router.get("/manual", response_class=HTMLResponse, include_in_schema=False)
def manual_page(request: Request, station: StationDep) -> HTMLResponse:
    from web.routers.pages import render

    return render(request, station, "manual.html", articles=station.manual.articles(),
                  edition=station.manual.edition(), words=_words(request))


@router.get("/manual/review", response_class=HTMLResponse, include_in_schema=False)
def review_page(request: Request, station: StationDep) -> HTMLResponse:
    from web.routers.pages import render

    return render(request, station, "manual_review.html", words=_words(request),
                  report=station.manual.unanswered())


def _words(request: Request) -> dict[str, str]:
    from station.messages import table
    from web import i18n

    return table(i18n.lang_of(request), "manual.page.")
