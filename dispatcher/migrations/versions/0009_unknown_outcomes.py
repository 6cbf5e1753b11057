"""sends once closed as failed/outcome_unknown are 'unknown': they may have gone out

Revision ID: 0009
Revises: 0008

Before 0009 a send whose outcome was not known was closed as ``failed`` with error code
``outcome_unknown`` — which freed its slot in every frequency cap though it may have
reached the debtor. Such rows become ``unknown`` (counted, and still settled by a late
provider callback), each with an event saying why the status changed.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_DETAIL = (
    '{"reclassified": "failed/outcome_unknown is now unknown: the send may have gone out",'
    ' "migration": "0009"}'
)


def upgrade() -> None:
    legacy = "status = 'failed' AND error_code = 'outcome_unknown'"
    json_detail = "CAST(:detail AS JSONB)" if op.get_bind().dialect.name == "postgresql" else (
        ":detail"
    )
    op.execute(
        sa.text(
            "INSERT INTO message_events (message_id, at, source, status, detail) "
            f"SELECT id, CURRENT_TIMESTAMP, 'sweep', 'unknown', {json_detail} "
            f"FROM messages WHERE {legacy}"
        ).bindparams(detail=_DETAIL)
    )
    op.execute(f"UPDATE messages SET status = 'unknown' WHERE {legacy}")


def downgrade() -> None:
    op.execute(
        "UPDATE messages SET status = 'failed' "
        "WHERE status = 'unknown' AND error_code = 'outcome_unknown'"
    )
