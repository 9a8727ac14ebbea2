"""the operating manual (issue 16): articles, versions, proposals, misses, reads; the search index per dialect

Revision ID: 0008_manual
Revises: 0001

Its own branch off 0001, like every capability since 0002 (db.upgrade applies every head): the manual
needs no other capability's tables, and branching off 0007_admin would make 0007_admin stop being a head.

SQLite: an FTS5 table with the `trigram` tokenizer over the folded title, keywords and body (rowid = the
article's id), kept by station/store/manual_repo.py. PostgreSQL: the pg_trgm extension and a GIN index on
the folded text (pg_trgm is a trusted extension: the database's owner may create it).
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_manual"
down_revision = "0001"
branch_labels = ("manual",)
depends_on = None


def _content_columns() -> list[sa.Column]:
    return [
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("categories", sa.String(length=64), nullable=False),
        sa.Column("procedures", sa.String(length=400), nullable=False),
        sa.Column("steps", sa.String(length=800), nullable=False),
        sa.Column("keywords", sa.Text(), nullable=False),
        sa.Column("sources", sa.Text(), nullable=False),
        sa.Column("seed_rules", sa.String(length=400), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "manual_articles",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_content_columns(),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("reads", sa.Integer(), nullable=False),
        sa.Column("fold_title", sa.Text(), nullable=False),
        sa.Column("fold_keywords", sa.Text(), nullable=False),
        sa.Column("fold_body", sa.Text(), nullable=False),
        sa.Column("fold_reading", sa.Text(), nullable=False),
        sa.Column("fold_all", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_manual_articles"),
        sa.UniqueConstraint("slug", name="uq_manual_articles_slug"),
    )
    op.create_table(
        "manual_versions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_content_columns(),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("written_by", sa.String(length=64), nullable=False),
        sa.Column("approved_by", sa.String(length=64), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_manual_versions"),
        sa.UniqueConstraint("article_id", "version", name="uq_manual_versions_article_version"),
    )
    op.create_table(
        "manual_proposals",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("article_id", sa.Integer(), nullable=True),
        sa.Column("base_version", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("categories", sa.String(length=64), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("origin_ref", sa.String(length=64), nullable=False),
        sa.Column("asked_count", sa.Integer(), nullable=False),
        sa.Column("proposed_by", sa.String(length=64), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reviewed_by", sa.String(length=64), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("result_version", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_manual_proposals"),
    )
    op.create_index("ix_manual_proposals_status", "manual_proposals", ["status", "proposed_at"])
    op.create_table(
        "manual_misses",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("query", sa.String(length=100), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("category", sa.Integer(), nullable=True),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("month", "query", name="pk_manual_misses"),
    )
    op.create_table(
        "manual_reads",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "article_id", name="pk_manual_reads"),
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE manual_fts USING fts5(title, keywords, body, reading, tokenize='trigram')")
    else:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_manual_articles_fold_all_trgm ON manual_articles USING gin (fold_all gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS manual_fts")
    for table in ("manual_reads", "manual_misses", "manual_proposals", "manual_versions", "manual_articles"):
        op.drop_table(table)
