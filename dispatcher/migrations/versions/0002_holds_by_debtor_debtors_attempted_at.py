"""holds by debtor or destination, debtors, messages.attempted_at and valid_until

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from dispatcher.contactlog.models import JsonDocument, UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "debtors",
        sa.Column("debtor_ref", sa.String(length=100), nullable=False),
        sa.Column("locale", sa.String(length=10), nullable=True),
        sa.Column("time_zone", sa.String(length=64), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("region", sa.String(length=8), nullable=True),
        sa.Column("packs", JsonDocument, nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("debtor_ref", name=op.f("pk_debtors")),
    )
    with op.batch_alter_table("holds") as holds:
        holds.add_column(
            sa.Column("set_by", sa.String(length=100), nullable=False, server_default="system")
        )
        holds.add_column(sa.Column("lifted_by", sa.String(length=100), nullable=True))
        holds.alter_column("channel", existing_type=sa.String(length=16), nullable=True)
        holds.alter_column("destination", existing_type=sa.String(length=64), nullable=True)
        holds.create_index(op.f("ix_holds_debtor_ref"), ["debtor_ref"], unique=False)
    with op.batch_alter_table("messages") as messages:
        messages.add_column(sa.Column("attempted_at", UTCDateTime(), nullable=True))
        messages.add_column(
            sa.Column(
                "valid_until", UTCDateTime(), nullable=False,
                server_default=sa.text("'9999-12-31 00:00:00'"),
            )
        )  # fmt: skip
        messages.create_index(
            "ix_messages_debtor_channel_attempted",
            ["debtor_ref", "channel", "attempted_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("messages") as messages:
        messages.drop_index("ix_messages_debtor_channel_attempted")
        messages.drop_column("valid_until")
        messages.drop_column("attempted_at")
    with op.batch_alter_table("holds") as holds:
        holds.drop_index(op.f("ix_holds_debtor_ref"))
        holds.alter_column("destination", existing_type=sa.String(length=64), nullable=False)
        holds.alter_column("channel", existing_type=sa.String(length=16), nullable=False)
        holds.drop_column("lifted_by")
        holds.drop_column("set_by")
    op.drop_table("debtors")
