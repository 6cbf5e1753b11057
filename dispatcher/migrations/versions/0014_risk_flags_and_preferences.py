"""risk flags: every set, clear and review of a debtor's flag, appended

(Preferences, once planned here too, are 0017's.) On PostgreSQL the table gets the
append-only trigger of the sealed tables (dispatcher/proof/appendonly.py): rows are never
changed or deleted, except by retention's erasure.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

from dispatcher.contactlog.models import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "risk_flag_events",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("debtor_ref", sa.String(length=100), nullable=False),
        sa.Column("flag", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("actor_role", sa.String(length=16), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_flag_events")),
    )
    op.create_index("ix_risk_flag_events_debtor_ref_id", "risk_flag_events", ["debtor_ref", "id"])
    if op.get_bind().dialect.name == "postgresql":
        from dispatcher.proof.appendonly import install_triggers

        install_triggers(op.get_bind(), {"risk_flag_events": ()})


def downgrade() -> None:
    op.drop_index("ix_risk_flag_events_debtor_ref_id", table_name="risk_flag_events")
    op.drop_table("risk_flag_events")
