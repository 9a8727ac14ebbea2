"""the back office on screen (issue 14): notes on notices, handover outcomes, urgent alerts, call-backs,
the end-of-day staff receipt and busy-time mode

Revision ID: 0009_backoffice2
Revises: 0003_stock, 0006_backoffice
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_backoffice2"
down_revision = ("0003_stock", "0006_backoffice")  # cards; case_handovers and phone_calls
branch_labels = ("backoffice2",)
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cards") as b:
        b.add_column(sa.Column("notice_note", sa.String(length=200), nullable=True))
    ts = sa.DateTime(timezone=True)
    op.create_table(
        "handover_outcomes",
        sa.Column("handover_id", sa.Integer(), sa.ForeignKey("case_handovers.id", ondelete="CASCADE"),
                  primary_key=True, autoincrement=False),
        sa.Column("business_date", sa.Date(), nullable=False, index=True),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("note", sa.String(length=80), nullable=False),
        sa.Column("closed_at", ts, nullable=False),
        sa.Column("closed_by", sa.String(length=64), nullable=False),
    )
    op.create_table(
        "urgent_alerts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("business_date", sa.Date(), nullable=False, index=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("counter_id", sa.Integer(), nullable=True),
        sa.Column("raised_at", ts, nullable=False),
        sa.Column("raised_by", sa.String(length=64), nullable=False),
        sa.Column("acked_at", ts, nullable=True),
        sa.Column("acked_by", sa.String(length=64), nullable=True),
        sa.Column("ack_seconds", sa.Integer(), nullable=True),
    )
    op.create_table(
        "handover_callbacks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("handover_id", sa.Integer(), sa.ForeignKey("case_handovers.id", ondelete="CASCADE"),
                  nullable=False, unique=True),
        sa.Column("business_date", sa.Date(), nullable=False, index=True),
        sa.Column("promised_at", ts, nullable=False),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("done_at", ts, nullable=True),
        sa.Column("done_by", sa.String(length=64), nullable=True),
    )
    op.create_table(
        "staff_receipts",
        sa.Column("business_date", sa.Date(), primary_key=True),
        sa.Column("received_at", ts, nullable=False),
        sa.Column("received_by", sa.String(length=64), nullable=False),
        sa.Column("expected", sa.Text(), nullable=False),
        sa.Column("received", sa.Text(), nullable=False),
        sa.Column("mismatches", sa.Text(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
    )
    op.create_table(
        "preprints",
        sa.Column("handover_id", sa.Integer(), sa.ForeignKey("case_handovers.id", ondelete="CASCADE"),
                  primary_key=True, autoincrement=False),
        sa.Column("business_date", sa.Date(), nullable=False, index=True),
        sa.Column("counter_id", sa.Integer(), nullable=True),
        sa.Column("ticket_number", sa.String(length=16), nullable=True),
        sa.Column("printed_at", ts, nullable=False),
        sa.Column("printed_by", sa.String(length=64), nullable=False),
        sa.Column("given_at", ts, nullable=True),
        sa.Column("given_by", sa.String(length=64), nullable=True),
    )
    op.create_table(
        "handover_forwards",
        sa.Column("handover_id", sa.Integer(), sa.ForeignKey("case_handovers.id", ondelete="CASCADE"),
                  primary_key=True, autoincrement=False),
        sa.Column("forwarded_at", ts, nullable=False),
        sa.Column("forwarded_by", sa.String(length=64), nullable=False),
    )
    op.create_table(
        "busy_periods",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("started_at", ts, nullable=False, index=True),
        sa.Column("started_by", sa.String(length=64), nullable=False),
        sa.Column("ended_at", ts, nullable=True),
        sa.Column("ended_by", sa.String(length=64), nullable=True),
        sa.Column("preset", sa.Text(), nullable=False),
        sa.Column("saved", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    for table in ("busy_periods", "handover_forwards", "preprints", "staff_receipts", "handover_callbacks", "urgent_alerts", "handover_outcomes"):
        op.drop_table(table)
    with op.batch_alter_table("cards") as b:
        b.drop_column("notice_note")
