"""the workspace: people's accounts, sessions, assignments

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

from dispatcher.contactlog.models import JsonDocument, UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("roles", JsonDocument, nullable=False),
        sa.Column("collector_id", sa.String(length=100), nullable=True),
        sa.Column("locale", sa.String(length=10), nullable=True),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("failed_sign_ins", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("locked_until", UTCDateTime(), nullable=True),
        sa.Column("locked", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint("username", name=op.f("uq_people_username")),
    )
    op.create_table(
        "workspace_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("person_id", BigId, nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_workspace_sessions_person_id_people")
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_workspace_sessions")),
    )
    op.create_table(
        "debtor_assignments",
        sa.Column("debtor_ref", sa.String(length=100), nullable=False),
        sa.Column("collector_id", sa.String(length=100), nullable=False),
        sa.Column("assigned_by", sa.String(length=100), nullable=False),
        sa.Column("assigned_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint(
            "debtor_ref", "collector_id", name=op.f("pk_debtor_assignments")
        ),
    )
    op.create_index(
        op.f("ix_debtor_assignments_collector_id"), "debtor_assignments", ["collector_id"]
    )
    op.create_table(
        "template_texts",
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("locale", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=16), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("seen_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint(
            "channel", "locale", "name", "version", name=op.f("pk_template_texts")
        ),
    )


def downgrade() -> None:
    op.drop_table("template_texts")
    op.drop_index(op.f("ix_debtor_assignments_collector_id"), table_name="debtor_assignments")
    op.drop_table("debtor_assignments")
    op.drop_table("workspace_sessions")
    op.drop_table("people")
