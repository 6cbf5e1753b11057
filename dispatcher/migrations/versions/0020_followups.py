"""workspace and integration follow-ups: the search by time of contact

Revision ID: 0020
Revises: 0019

A search for a day of contact (``dispatcher/workspace/search.py``) matches a visit by the
date of its ``visit_at`` and anything else by when it went out (``attempted_at``, else
``scheduled_for``); each gets an index on exactly the expression the search compares, so a
day is found by two index ranges instead of a walk back through every newer message.
SQLite gets them too (the schema is one), though its search renders the JSON path
differently and the demo's log is small.
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

# The search's expressions (an index serves only the very same expression; PostgreSQL
# drops the search's text-to-varchar cast before matching). Only visits have a visit_at.
CONTACT_TIME = "coalesce(attempted_at, scheduled_for)"
VISIT_AT = "(variables ->> 'visit_at')"
VISIT_DAY = f"substr({VISIT_AT}, 1, 10)"


def upgrade() -> None:
    op.create_index("ix_messages_contact_time", "messages", [sa.text(CONTACT_TIME)])
    op.create_index(
        "ix_messages_visit_day", "messages", [sa.text(VISIT_DAY)],
        postgresql_where=sa.text(f"{VISIT_AT} IS NOT NULL"),
        sqlite_where=sa.text(f"{VISIT_AT} IS NOT NULL"),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_messages_visit_day", table_name="messages")
    op.drop_index("ix_messages_contact_time", table_name="messages")
