"""workspace and integration follow-ups: the search by time of contact; outbound events
scrubbed with their debtor and pruned once delivered

Revision ID: 0020
Revises: 0019

A search for a day of contact (``dispatcher/workspace/search/query.py``) matches a visit by the
date of its ``visit_at`` and anything else by when it went out (``attempted_at``, else
``scheduled_for``); each gets an index on exactly the expression the search compares, so a
day is found by two index ranges instead of a walk back through every newer message.
Retention finds a debtor's outbound events by the debtor they name, and prunes delivered
events and deliveries by age (``dispatcher/events/erasure.py``, ``webhooks/pruning.py``).

The timeline's seal status finds the checkpoints after a page's oldest leaf by tree size.

SQLite gets the indexes too (the schema is one), though its search renders the JSON path
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
EVENT_DEBTOR = "(data ->> 'debtor_ref')"  # events/erasure.py


def upgrade() -> None:
    op.create_index("ix_outbound_events_debtor", "outbound_events", [sa.text(EVENT_DEBTOR)])
    op.create_index("ix_outbound_events_projected_at", "outbound_events", ["projected_at"])
    op.create_index(
        "ix_webhook_deliveries_state_done_at", "webhook_deliveries", ["state", "done_at"]
    )
    op.create_index("ix_webhook_attempts_delivery_id", "webhook_attempts", ["delivery_id"])
    op.create_index("ix_audit_checkpoints_tree_size", "audit_checkpoints", ["tree_size"])
    op.create_index("ix_messages_contact_time", "messages", [sa.text(CONTACT_TIME)])
    op.create_index(
        "ix_messages_visit_day", "messages", [sa.text(VISIT_DAY)],
        postgresql_where=sa.text(f"{VISIT_AT} IS NOT NULL"),
        sqlite_where=sa.text(f"{VISIT_AT} IS NOT NULL"),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_audit_checkpoints_tree_size", table_name="audit_checkpoints")
    op.drop_index("ix_webhook_attempts_delivery_id", table_name="webhook_attempts")
    op.drop_index("ix_webhook_deliveries_state_done_at", table_name="webhook_deliveries")
    op.drop_index("ix_outbound_events_projected_at", table_name="outbound_events")
    op.drop_index("ix_outbound_events_debtor", table_name="outbound_events")
    op.drop_index("ix_messages_visit_day", table_name="messages")
    op.drop_index("ix_messages_contact_time", table_name="messages")
