"""live configuration from the admin screen: calendar days, counter categories, category cut-offs

Revision ID: 0007_admin
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_admin"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_overrides",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "counter_overrides",
        sa.Column("counter_id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("categories", sa.String(length=200), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "category_overrides",
        sa.Column("code", sa.String(length=8), primary_key=True),
        sa.Column("cutoff_minutes", sa.Integer(), nullable=True),
        sa.Column("default_service_minutes", sa.Float(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("category_overrides")
    op.drop_table("counter_overrides")
    op.drop_table("calendar_overrides")
