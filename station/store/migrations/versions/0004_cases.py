"""counter cases, steps, consents, handovers to city staff

Revision ID: 0004_cases
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_cases"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cases',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('ticket_number', sa.String(length=16), nullable=True),
    sa.Column('counter_id', sa.Integer(), nullable=True),
    sa.Column('procedure', sa.String(length=32), nullable=False),
    sa.Column('flow', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('clerk', sa.String(length=64), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=32), nullable=True),
    sa.Column('linked_case_id', sa.Integer(), nullable=True),
    sa.Column('is_renewal', sa.Boolean(), nullable=True),
    sa.Column('renewal_guidance', sa.Boolean(), nullable=False),
    sa.Column('pin_reset_guidance', sa.Boolean(), nullable=False),
    sa.Column('documents_slip', sa.Boolean(), nullable=False),
    sa.Column('insurance_applied', sa.Boolean(), nullable=False),
    sa.Column('public_funds_registered', sa.Boolean(), nullable=False),
    sa.Column('collected', sa.Text(), nullable=False),
    sa.Column('notice_no', sa.String(length=16), nullable=True),
    sa.Column('data', sa.Text(), nullable=True),
    sa.Column('purged_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['linked_case_id'], ['cases.id'], name=op.f('fk_cases_linked_case_id_cases'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_cases_ticket_id_tickets'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases'))
    )
    op.create_index('ix_cases_counter_state', 'cases', ['counter_id', 'state'], unique=False)
    op.create_index('ix_cases_day_procedure', 'cases', ['business_date', 'procedure'], unique=False)
    op.create_table('case_consents',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('clerk', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_consents_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_consents'))
    )
    op.create_table('case_handovers',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('from_step', sa.String(length=32), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('requested_by', sa.String(length=64), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('taken_by', sa.String(length=64), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.String(length=64), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_handovers_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_handovers'))
    )
    op.create_index('ix_case_handovers_state', 'case_handovers', ['state', 'requested_at'], unique=False)
    op.create_table('case_steps',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('undoable', sa.Boolean(), nullable=False),
    sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('undone_by', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_steps_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_steps'))
    )
    op.create_index('ix_case_steps_case', 'case_steps', ['case_id', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_case_steps_case', table_name='case_steps')
    op.drop_table('case_steps')
    op.drop_index('ix_case_handovers_state', table_name='case_handovers')
    op.drop_table('case_handovers')
    op.drop_table('case_consents')
    op.drop_index('ix_cases_day_procedure', table_name='cases')
    op.drop_index('ix_cases_counter_state', table_name='cases')
    op.drop_table('cases')
