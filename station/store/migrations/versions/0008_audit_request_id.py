"""audit entries carry the id of the HTTP request that caused them (issue 18: one id through audit and log)

Revision ID: 0008_audit_request_id
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_audit_request_id"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch_op:
        batch_op.add_column(sa.Column("request_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch_op:
        batch_op.drop_column("request_id")
