"""the print spooler's durable queue (issue 19): every committed ticket ends with a print outcome

Revision ID: 0009_print_jobs
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_print_jobs"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "print_jobs",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("spooler", sa.String(length=64), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_print_jobs_ticket_id_tickets"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_print_jobs")),
    )
    op.create_index("ix_print_jobs_spooler", "print_jobs", ["spooler"])


def downgrade() -> None:
    op.drop_index("ix_print_jobs_spooler", table_name="print_jobs")
    op.drop_table("print_jobs")
