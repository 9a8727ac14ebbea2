"""the period report (issue 17) finds a ticket's audit entries by ticket id (who finished it, who marked the
no-show): without an index SQLite built a throw-away one over the whole audit log for every report; and the
counters' pauses of a period by action and time

Revision ID: 0009_report_indexes
Revises: 0008_audit_request_id
"""

from alembic import op

revision = "0009_report_indexes"
down_revision = "0008_audit_request_id"
branch_labels = ("report_indexes",)
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_log_ticket_action", "audit_log", ["ticket_id", "action"], unique=False)
    op.create_index("ix_audit_log_action_at", "audit_log", ["action", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_audit_log_action_at", table_name="audit_log")
    op.drop_index("ix_audit_log_ticket_action", table_name="audit_log")
