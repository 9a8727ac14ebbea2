"""What the manual's use cases return: one pydantic view per read model, the routers' `response_model`s.

Why pydantic here and not in web/: the service builds the view once and the router returns it as it is,
so there is no dataclass twin to keep in step with an API schema (DESIGN.md, "one shape per noun").
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class ArticleSummary(BaseModel):
    slug: str
    title: str
    version: int = Field(description="the published version the counter shows")
    categories: list[int] = Field(description="phone categories 1..10 (①..⑩) the article serves")
    category_marks: list[str]
    procedures: list[str] = Field(description="procedure codes of the catalog (config/procedures.toml)")
    steps: list[str] = Field(description="'procedure.step' pairs a case step shows the article for")
    keywords: list[str]
    reviewed_on: date | None
    updated_at: datetime
    reads: int = Field(description="times opened (no reader recorded)")


class ArticleView(ArticleSummary):
    body: str = Field(description="Markdown as the city wrote it")
    html: str = Field(description="the body rendered safely (raw HTML in the Markdown is shown as text)")
    sources: list[str] = Field(description="official pages (ministry, J-LIS, the city)")
    seed_rules: list[str]
    updated_by: str


class SearchHit(BaseModel):
    slug: str
    title: str
    title_html: str = Field(description="title, HTML-escaped, matched words in <mark>")
    snippet_html: str = Field(description="an excerpt of the body around the first match, in <mark>")
    score: float
    in_context: bool = Field(description="serves the category / procedure / step searched from")
    categories: list[int]
    version: int


class SearchResult(BaseModel):
    query: str
    terms: list[str] = Field(description="the folded words searched for")
    hits: list[SearchHit]
    took_ms: float
    miss_counted: bool = Field(description="no hit: counted for the monthly 'could not answer' list")


class VersionSummary(BaseModel):
    version: int
    edition: int = Field(description="the manual's edition this version made")
    title: str
    published_at: datetime
    written_by: str
    approved_by: str
    proposal_id: int | None
    note: str


class VersionView(VersionSummary):
    slug: str
    body: str
    html: str
    categories: list[int]
    procedures: list[str]
    steps: list[str]
    keywords: list[str]
    sources: list[str]
    reviewed_on: date | None


class DiffLineView(BaseModel):
    op: str = Field(description="same | add | del")
    text: str


class FieldChangeView(BaseModel):
    field: str
    before: str
    after: str


class DiffView(BaseModel):
    slug: str
    from_version: int | None = Field(description="None: against nothing (a new article)")
    to_version: int | None = Field(description="None: a proposal not yet published")
    title: list[DiffLineView]
    body: list[DiffLineView]
    fields: list[FieldChangeView]


class ProposalView(BaseModel):
    id: int
    slug: str | None = Field(description="the article changed; None for a proposed new article")
    base_version: int | None = Field(description="the version the clerk was reading when proposing")
    current_version: int | None
    title: str
    body: str
    question: str = Field(description="the question that prompted it (no caller details)")
    categories: list[int]
    origin: str = Field(description="article | phone | case | search | counter")
    origin_ref: str
    asked_count: int = Field(description="phone slips of the category (30 days) + 'not found' searches like it")
    proposed_by: str
    proposed_at: datetime
    status: str = Field(description="open | accepted | rejected")
    reviewed_by: str | None
    reviewed_at: datetime | None
    reason: str
    result_version: int | None
    diff: DiffView | None = Field(None, description="against the published version (in a single proposal)")


class MissView(BaseModel):
    query: str
    count: int
    category: int | None


class ReadCount(BaseModel):
    slug: str
    title: str
    count: int


class UnansweredReport(BaseModel):
    month: str
    misses: list[MissView]
    misses_total: int
    proposals: list[ProposalView]
    reads: list[ReadCount]


class ImportProblem(BaseModel):
    file: str
    message_ja: str
    message_en: str


class ImportResult(BaseModel):
    created: list[str]
    updated: list[str]
    unchanged: list[str]
    edition: int


class Edition(BaseModel):
    edition: int
    published_at: datetime | None
    articles: int
