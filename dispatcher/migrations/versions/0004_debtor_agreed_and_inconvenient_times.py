"""debtors: agreed contact time and inconvenient times

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from dispatcher.contactlog.models import JsonDocument, UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("debtors") as debtors:
        debtors.add_column(sa.Column("agreed_contact_until", UTCDateTime(), nullable=True))
        debtors.add_column(sa.Column("inconvenient_times", JsonDocument, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("debtors") as debtors:
        debtors.drop_column("inconvenient_times")
        debtors.drop_column("agreed_contact_until")
