"""payments are sealed: on PostgreSQL they get the append-only trigger of the sealed tables

A payment is written once and never changed (dispatcher/stats/payments.py); it is now a
sealed kind (dispatcher/proof/kinds.py), so its rows are refused any UPDATE or DELETE
(dispatcher/proof/appendonly.py). Nothing else changes.

Revision ID: 0021
Revises: 0020
"""

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        from dispatcher.proof.appendonly import install_triggers

        install_triggers(op.get_bind(), {"payments": ()})


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_append_only ON payments")
