"""inbound messages, applied once by MessageSid

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

from dispatcher.contactlog.models import JsonDocument, UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "inbound_messages",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("message_sid", sa.String(length=64), nullable=False),
        sa.Column("sender", sa.String(length=64), nullable=False),
        sa.Column("recipient", sa.String(length=64), nullable=False),
        sa.Column("keyword", sa.String(length=8), nullable=True),
        sa.Column("word", sa.String(length=32), nullable=True),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("applied", sa.String(length=32), nullable=False),
        sa.Column("hold_ids", JsonDocument, nullable=False),
        sa.Column("replays", sa.Integer(), nullable=False),
        sa.Column("last_replay_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_messages")),
        sa.UniqueConstraint("message_sid", name=op.f("uq_inbound_messages_message_sid")),
    )
    op.create_index(
        op.f("ix_inbound_messages_sender"), "inbound_messages", ["sender"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_inbound_messages_sender"), table_name="inbound_messages")
    op.drop_table("inbound_messages")
