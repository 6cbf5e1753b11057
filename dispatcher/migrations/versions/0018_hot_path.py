"""the hot path: parked pauses

Revision ID: 0018
Revises: 0017

A message a pause defers is parked (``messages.parked_by``: the pause's id) instead of
re-checked every 2 s; the resume releases what that pause parked, found by a partial
index holding parked rows only.
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("parked_by", sa.Integer(), nullable=True))
    op.create_index(
        "ix_messages_parked_by", "messages", ["parked_by"],
        postgresql_where=sa.text("parked_by IS NOT NULL"),
        sqlite_where=sa.text("parked_by IS NOT NULL"),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_messages_parked_by", table_name="messages")
    op.drop_column("messages", "parked_by")
