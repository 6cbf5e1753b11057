"""api keys, audit reads, pauses

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from dispatcher.contactlog.models import JsonDocument, UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_by", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
        sa.UniqueConstraint("name", name=op.f("uq_api_keys_name")),
    )
    op.create_table(
        "audit_reads",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("reader", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("debtor_ref", sa.String(length=100), nullable=True),
        sa.Column("message_id", sa.String(length=26), nullable=True),
        sa.Column("filters", JsonDocument, nullable=False),
        sa.Column("rows", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_reads")),
    )
    op.create_index(op.f("ix_audit_reads_at"), "audit_reads", ["at"], unique=False)
    op.create_index(op.f("ix_audit_reads_debtor_ref"), "audit_reads", ["debtor_ref"], unique=False)
    op.create_table(
        "pauses",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=100), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("paused_by", sa.String(length=100), nullable=False),
        sa.Column("paused_at", UTCDateTime(), nullable=False),
        sa.Column("lifted_at", UTCDateTime(), nullable=True),
        sa.Column("lifted_by", sa.String(length=100), nullable=True),
        sa.Column("lift_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pauses")),
    )
    op.create_index(op.f("ix_pauses_lifted_at"), "pauses", ["lifted_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_pauses_lifted_at"), table_name="pauses")
    op.drop_table("pauses")
    op.drop_index(op.f("ix_audit_reads_debtor_ref"), table_name="audit_reads")
    op.drop_index(op.f("ix_audit_reads_at"), table_name="audit_reads")
    op.drop_table("audit_reads")
    op.drop_table("api_keys")
