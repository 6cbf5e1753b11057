"""consumer preferences

Revision ID: 0017
Revises:  inconvenient times and places, preferred channel and language:0016
"""

revision = "0017"
down_revision = " inconvenient times and places, preferred channel and language:0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
