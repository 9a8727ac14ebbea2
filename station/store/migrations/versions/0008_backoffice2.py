"""the back office on screen (issue 14): notes on notices, handover outcomes, urgent alerts, call-backs,
the end-of-day staff receipt and busy-time mode

Revision ID: 0008_backoffice2
Revises: 0007_admin
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_backoffice2"
down_revision = "0007_admin"
branch_labels = ("backoffice2",)
depends_on = ("0003_stock", "0006_backoffice")  # cards; case_handovers and phone_calls


def upgrade() -> None:
    with op.batch_alter_table("cards") as b:
        b.add_column(sa.Column("notice_note", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cards") as b:
        b.drop_column("notice_note")
