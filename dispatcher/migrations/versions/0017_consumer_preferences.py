"""consumer preferences: preferred channel and language, and the log of every change

On PostgreSQL the log gets the append-only trigger of the sealed tables
(dispatcher/proof/appendonly.py): its rows are never changed or deleted.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

from dispatcher.contactlog.models import JsonDocument, UTCDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("debtors") as debtors:
        debtors.add_column(sa.Column("preferred_channel", sa.String(length=16), nullable=True))
        debtors.add_column(sa.Column("preferred_locale", sa.String(length=10), nullable=True))
    op.create_table(
        "preference_changes",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("debtor_ref", sa.String(length=100), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("by", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changes", JsonDocument, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_preference_changes")),
    )
    op.create_index(
        op.f("ix_preference_changes_debtor_ref"),
        "preference_changes",
        ["debtor_ref"],
        unique=False,
    )
    if op.get_bind().dialect.name == "postgresql":  # appended, never changed or deleted
        from dispatcher.proof.appendonly import install_triggers

        install_triggers(op.get_bind(), {"preference_changes": ()})


def downgrade() -> None:
    op.drop_index(op.f("ix_preference_changes_debtor_ref"), table_name="preference_changes")
    op.drop_table("preference_changes")
    with op.batch_alter_table("debtors") as debtors:
        debtors.drop_column("preferred_locale")
        debtors.drop_column("preferred_channel")
