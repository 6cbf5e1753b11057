"""the hot path

Revision ID: 0018
Revises:  parked pauses and what the fast send path needs:0017
"""

revision = "0018"
down_revision = " parked pauses and what the fast send path needs:0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
