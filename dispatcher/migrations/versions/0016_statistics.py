"""statistics: daily aggregates and payment events

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

from dispatcher.contactlog.models import Money, UTCDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "payments",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("payment_id", sa.String(length=100), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("debtor_ref", sa.String(length=100), nullable=False),
        sa.Column("account_ref", sa.String(length=100), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("paid_at", UTCDateTime(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("portfolio", sa.String(length=100), nullable=False),
        sa.Column("reported_by", sa.String(length=100), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("attribution", sa.String(length=16), nullable=False),
        sa.Column("attributed_message_id", sa.String(length=26), nullable=True),
        sa.Column("attributed_collector_id", sa.String(length=100), nullable=True),
        sa.Column("attributed_channel", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint("payment_id", name=op.f("uq_payments_payment_id")),
    )
    op.create_index(op.f("ix_payments_paid_on"), "payments", ["paid_on"])
    op.create_index(
        "ix_payments_debtor_account_paid_at", "payments", ["debtor_ref", "account_ref", "paid_at"]
    )
    op.create_table(
        "portfolio_accounts",
        sa.Column("debtor_ref", sa.String(length=100), nullable=False),
        sa.Column("account_ref", sa.String(length=100), nullable=False),
        sa.Column("portfolio", sa.String(length=100), nullable=False),
        sa.Column("assigned_by", sa.String(length=100), nullable=False),
        sa.Column("assigned_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("debtor_ref", "account_ref", name=op.f("pk_portfolio_accounts")),
    )
    op.create_index(
        op.f("ix_portfolio_accounts_portfolio"), "portfolio_accounts", ["portfolio"]
    )
    op.create_table(
        "stats_daily",
        sa.Column("metric", sa.String(length=24), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("collector_id", sa.String(length=100), nullable=False),
        sa.Column("portfolio", sa.String(length=100), nullable=False),
        sa.Column("detail", sa.String(length=100), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "metric", "day", "channel", "collector_id", "portfolio", "detail",
            name=op.f("pk_stats_daily"),
        ),
    )
    op.create_table(
        "stats_contacts",
        sa.Column("message_id", sa.String(length=26), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("collector_id", sa.String(length=100), nullable=False),
        sa.Column("portfolio", sa.String(length=100), nullable=False),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.Column("disposition", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_stats_contacts")),
    )
    op.create_table(
        "stats_promises",
        sa.Column("message_id", sa.String(length=26), nullable=False),
        sa.Column("debtor_ref", sa.String(length=100), nullable=False),
        sa.Column("account_ref", sa.String(length=100), nullable=False),
        sa.Column("collector_id", sa.String(length=100), nullable=False),
        sa.Column("portfolio", sa.String(length=100), nullable=False),
        sa.Column("made_at", UTCDateTime(), nullable=False),
        sa.Column("made_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_stats_promises")),
    )
    op.create_index(op.f("ix_stats_promises_made_on"), "stats_promises", ["made_on"])
    op.create_table(
        "stats_cursor",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("last_event_id", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_stats_cursor")),
    )


def downgrade() -> None:
    op.drop_table("stats_cursor")
    op.drop_index(op.f("ix_stats_promises_made_on"), table_name="stats_promises")
    op.drop_table("stats_promises")
    op.drop_table("stats_contacts")
    op.drop_table("stats_daily")
    op.drop_index(op.f("ix_portfolio_accounts_portfolio"), table_name="portfolio_accounts")
    op.drop_table("portfolio_accounts")
    op.drop_index("ix_payments_debtor_account_paid_at", table_name="payments")
    op.drop_index(op.f("ix_payments_paid_on"), table_name="payments")
    op.drop_table("payments")
