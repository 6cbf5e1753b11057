"""messages: result, collectors, address, call details, disposition; collectors and
template approvals tables

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from dispatcher.contactlog.models import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("result", sa.String(16), nullable=True))
        batch.add_column(sa.Column("collector_id", sa.String(100), nullable=True))
        batch.add_column(sa.Column("collector_ids", JSON, nullable=True))
        batch.add_column(sa.Column("address", JSON, nullable=True))
        batch.add_column(sa.Column("duration_s", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("recording_ref", sa.String(200), nullable=True))
        batch.add_column(sa.Column("answered_by", sa.String(32), nullable=True))
        batch.add_column(sa.Column("disposition", JSON, nullable=True))
    op.create_index(op.f("ix_messages_collector_id"), "messages", ["collector_id"], unique=False)
    op.create_table(
        "collectors",
        sa.Column("collector_id", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(200), nullable=False),
        sa.Column("team", sa.String(100), nullable=True),
        sa.Column("trained_on", sa.Date(), nullable=True),
        sa.Column("credential_expires", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("collector_id", name=op.f("pk_collectors")),
    )


    op.create_table(
        "template_approvals",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("locale", sa.String(10), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("version", sa.String(16), nullable=False),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column("by", sa.String(100), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_template_approvals")),
    )


def downgrade() -> None:
    op.drop_table("template_approvals")
    op.drop_table("collectors")
    op.drop_index(op.f("ix_messages_collector_id"), table_name="messages")
    with op.batch_alter_table("messages") as batch:
        for column in (
            "disposition", "answered_by", "recording_ref", "duration_s",
            "address", "collector_ids", "collector_id", "result",
        ):  # fmt: skip
            batch.drop_column(column)
