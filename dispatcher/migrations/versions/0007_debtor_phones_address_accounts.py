"""debtors: phones and address; accounts table

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

from dispatcher.contactlog.models import JsonDocument, Money, UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("debtors") as debtors:
        debtors.add_column(sa.Column("phones", JsonDocument, nullable=True))
        debtors.add_column(sa.Column("address", JsonDocument, nullable=True))
    op.create_table(
        "accounts",
        sa.Column("debtor_ref", sa.String(100), nullable=False),
        sa.Column("account_ref", sa.String(100), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("days_overdue", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("debtor_ref", "account_ref", name=op.f("pk_accounts")),
    )


def downgrade() -> None:
    op.drop_table("accounts")
    with op.batch_alter_table("debtors") as debtors:
        debtors.drop_column("address")
        debtors.drop_column("phones")
