"""The operating manual's tables (issue 16). Search indexes are dialect-specific and live in the migration
(0008_manual) and in manual_repo.py: an FTS5 `trigram` table on SQLite, a pg_trgm GIN index on PostgreSQL.

Nothing personal is kept here: proposals name the question, not the caller; the "not found" searches are
counted per month and folded text, without who searched (D-ALL-2)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from station.store.models import Base, UtcDateTime


class ManualArticle(Base):
    """The published state of one article (what the counter shows), with its folded search text."""

    __tablename__ = "manual_articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    slug: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)  # the published version
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    categories: Mapped[str] = mapped_column(String(64), nullable=False, default="")  # ",1,4," (①, ④)
    procedures: Mapped[str] = mapped_column(String(400), nullable=False, default="")  # ",issuance,"
    steps: Mapped[str] = mapped_column(String(800), nullable=False, default="")  # ",issuance.documents,"
    keywords: Mapped[str] = mapped_column(Text, nullable=False, default="")  # newline-separated
    sources: Mapped[str] = mapped_column(Text, nullable=False, default="")  # newline-separated
    seed_rules: Mapped[str] = mapped_column(String(400), nullable=False, default="")
    reviewed_on: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    updated_by: Mapped[str] = mapped_column(String(64), nullable=False)
    reads: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    fold_title: Mapped[str] = mapped_column(Text, nullable=False, default="")
    fold_keywords: Mapped[str] = mapped_column(Text, nullable=False, default="")
    fold_body: Mapped[str] = mapped_column(Text, nullable=False, default="")
    fold_reading: Mapped[str] = mapped_column(Text, nullable=False, default="")  # kana reading, if a reader is set
    fold_all: Mapped[str] = mapped_column(Text, nullable=False, default="")  # every folded field (pg_trgm)


class ManualVersion(Base):
    """Every version ever published, with who wrote and who approved it, and when."""

    __tablename__ = "manual_versions"
    __table_args__ = (UniqueConstraint("article_id", "version", name="uq_manual_versions_article_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)  # also the edition number
    article_id: Mapped[int] = mapped_column(Integer, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    categories: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    procedures: Mapped[str] = mapped_column(String(400), nullable=False, default="")
    steps: Mapped[str] = mapped_column(String(800), nullable=False, default="")
    keywords: Mapped[str] = mapped_column(Text, nullable=False, default="")
    sources: Mapped[str] = mapped_column(Text, nullable=False, default="")
    seed_rules: Mapped[str] = mapped_column(String(400), nullable=False, default="")
    reviewed_on: Mapped[date | None] = mapped_column(Date)
    published_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    written_by: Mapped[str] = mapped_column(String(64), nullable=False)
    approved_by: Mapped[str] = mapped_column(String(64), nullable=False)
    proposal_id: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(200), nullable=False, default="")


class ManualProposal(Base):
    """A clerk's proposed addition or change (D-ALL-3), until city staff accept or reject it."""

    __tablename__ = "manual_proposals"
    __table_args__ = (Index("ix_manual_proposals_status", "status", "proposed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    article_id: Mapped[int | None] = mapped_column(Integer)  # None: a new article
    base_version: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    body: Mapped[str] = mapped_column(Text, nullable=False)
    question: Mapped[str] = mapped_column(Text, nullable=False)
    categories: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    origin: Mapped[str] = mapped_column(String(16), nullable=False)  # article / phone / case / search / counter
    origin_ref: Mapped[str] = mapped_column(String(64), nullable=False, default="")  # e.g. "phone:4", "case:12"
    asked_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    proposed_by: Mapped[str] = mapped_column(String(64), nullable=False)
    proposed_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    result_version: Mapped[int | None] = mapped_column(Integer)


class ManualMiss(Base):
    """Searches that found nothing, counted per month and folded query (the city's monthly list)."""

    __tablename__ = "manual_misses"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # "2026-12"
    query: Mapped[str] = mapped_column(String(100), primary_key=True)  # folded
    count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    category: Mapped[int | None] = mapped_column(Integer)  # the phone category it was searched under, if any
    last_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)


class ManualRead(Base):
    """How often each article was opened, per month (no reader recorded)."""

    __tablename__ = "manual_reads"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    article_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
