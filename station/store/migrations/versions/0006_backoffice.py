"""phone reception slips and end-of-day handover (D-TEL, D-BO-6)

Revision ID: 0006_backoffice
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_backoffice"
down_revision = "0001"
branch_labels = None
depends_on = "0004_cases"  # phone_calls.case_id references cases


def upgrade() -> None:
    op.create_table(
        "phone_calls",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("category", sa.Integer(), nullable=False),
        sa.Column("trivial", sa.Boolean(), nullable=False),
        sa.Column("escalation", sa.String(length=32), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("handover_id", sa.Integer(), nullable=True),
        sa.Column("application_date", sa.Date(), nullable=True),
        sa.Column("days_since_application", sa.Integer(), nullable=True),
        sa.Column("stale", sa.Boolean(), nullable=False),
        sa.Column("content", sa.Text(), nullable=True),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("caller_name", sa.String(length=64), nullable=True),
        sa.Column("caller_phone", sa.String(length=32), nullable=True),
        sa.Column("lookup_ref", sa.String(length=32), nullable=True),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_phone_calls_case_id_cases"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_calls")),
    )
    op.create_index("ix_phone_calls_day_category", "phone_calls", ["business_date", "category"], unique=False)
    op.create_index("ix_phone_calls_case", "phone_calls", ["case_id"], unique=False)
    op.create_table(
        "backoffice_days",
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.String(length=64), nullable=False),
        sa.Column("collected", sa.Text(), nullable=False),
        sa.Column("purged_cases", sa.Integer(), nullable=False),
        sa.Column("purged_calls", sa.Integer(), nullable=False),
        sa.Column("purged_cards", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("business_date", name=op.f("pk_backoffice_days")),
    )


def downgrade() -> None:
    op.drop_table("backoffice_days")
    op.drop_index("ix_phone_calls_case", table_name="phone_calls")
    op.drop_index("ix_phone_calls_day_category", table_name="phone_calls")
    op.drop_table("phone_calls")
