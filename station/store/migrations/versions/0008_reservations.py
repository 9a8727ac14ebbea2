"""pick-up reservations: bookings, places per slot, ticket watches, the mail outbox (issue 15)

Its own branch after 0007_admin (another 0008 may sit beside it): station.store.db upgrades to every head.

Revision ID: 0008_reservations
Revises: 0007_admin
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_reservations"
down_revision = "0007_admin"
branch_labels = ("reservations",)
depends_on = "0003_stock"  # reservations.card_id references cards


def upgrade() -> None:
    op.create_table(
        "reservation_slots",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("category", sa.String(length=8), primary_key=True),
        sa.Column("slot", sa.String(length=5), primary_key=True),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("closed_reason", sa.String(length=200), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "reservations",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("category", sa.String(length=8), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("slot", sa.String(length=5), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("card_id", sa.Integer(), sa.ForeignKey("cards.id", ondelete="SET NULL",
                                                          name="fk_reservations_card_id_cards"), nullable=True),
        sa.Column("open_card_id", sa.Integer(), nullable=True),
        sa.Column("notice_no", sa.String(length=10), nullable=True),
        sa.Column("birth_salt", sa.LargeBinary(length=16), nullable=True),
        sa.Column("birth_digest", sa.String(length=64), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("checklist_seen", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("tickets.id", ondelete="SET NULL",
                                                            name="fk_reservations_ticket_id_tickets"), nullable=True),
        sa.Column("priority", sa.Boolean(), nullable=False),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("code", name="uq_reservations_code"),
        sa.UniqueConstraint("open_card_id", name="uq_reservations_open_card_id"),
    )
    op.create_index("ix_reservations_day_state", "reservations", ["day", "state"])
    op.create_index("ix_reservations_notice_no", "reservations", ["notice_no"])
    op.create_index("ix_reservations_ticket_id", "reservations", ["ticket_id"])
    op.create_table(
        "ticket_watches",
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("tickets.id", ondelete="CASCADE",
                                                            name="fk_ticket_watches_ticket_id_tickets"),
                  primary_key=True),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("ahead", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("dedupe", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("to_addr", sa.String(length=254), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("qr_text", sa.String(length=40), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("send_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("dedupe", name="uq_mail_outbox_dedupe"),
    )
    op.create_index("ix_mail_outbox_send_after", "mail_outbox", ["send_after"])


def downgrade() -> None:
    op.drop_index("ix_mail_outbox_send_after", table_name="mail_outbox")
    op.drop_table("mail_outbox")
    op.drop_table("ticket_watches")
    op.drop_index("ix_reservations_ticket_id", table_name="reservations")
    op.drop_index("ix_reservations_notice_no", table_name="reservations")
    op.drop_index("ix_reservations_day_state", table_name="reservations")
    op.drop_table("reservations")
    op.drop_table("reservation_slots")
