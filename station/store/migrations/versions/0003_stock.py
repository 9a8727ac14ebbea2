"""card stock: cards, card events, import batches

Revision ID: 0003_stock
Revises: 0001
Create Date: 2026-11-25 03:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_stock"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stock_import_batches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("encoding", sa.String(length=16), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("first_box", sa.Integer(), nullable=True),
        sa.Column("last_box", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_import_batches")),
        sa.UniqueConstraint("file_sha256", name=op.f("uq_stock_import_batches_file_sha256")),
    )
    op.create_table(
        "cards",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("manufacturing_no", sa.String(length=12), nullable=False),
        sa.Column("notice_no", sa.String(length=10), nullable=False),
        sa.Column("application_id", sa.String(length=23), nullable=False),
        sa.Column("name_kana", sa.String(length=64), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("application_date", sa.Date(), nullable=False),
        sa.Column("notice_type", sa.String(length=20), nullable=False),
        sa.Column("is_renewal", sa.Boolean(), nullable=False),
        sa.Column("has_juki_card", sa.Boolean(), nullable=False),
        sa.Column("delivery_lot", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("defect_reason", sa.String(length=16), nullable=True),
        sa.Column("return_reason", sa.String(length=16), nullable=True),
        sa.Column("mailed_on", sa.Date(), nullable=True),
        sa.Column("receipt_deadline", sa.Date(), nullable=True),
        sa.Column("box", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("personal_purged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["batch_id"], ["stock_import_batches.id"],
                                name=op.f("fk_cards_batch_id_stock_import_batches")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cards")),
        sa.UniqueConstraint("manufacturing_no", name=op.f("uq_cards_manufacturing_no")),
        sa.UniqueConstraint("notice_no", name=op.f("uq_cards_notice_no")),
    )
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cards_application_id"), ["application_id"], unique=False)
        batch_op.create_index("uq_cards_box_position", ["box", "position"], unique=True)
        batch_op.create_index("ix_cards_status_deadline", ["status", "receipt_deadline"], unique=False)
        batch_op.create_index("ix_cards_status_application_date", ["status", "application_date"], unique=False)

    op.create_table(
        "card_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=False),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["card_id"], ["cards.id"], name=op.f("fk_card_events_card_id_cards"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_events")),
    )
    with op.batch_alter_table("card_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_card_events_card_id"), ["card_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("card_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_card_events_card_id"))
    op.drop_table("card_events")
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.drop_index("ix_cards_status_application_date")
        batch_op.drop_index("ix_cards_status_deadline")
        batch_op.drop_index("uq_cards_box_position")
        batch_op.drop_index(batch_op.f("ix_cards_application_id"))
    op.drop_table("cards")
    op.drop_table("stock_import_batches")
