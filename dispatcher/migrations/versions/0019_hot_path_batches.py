"""hot path on raw asyncpg (reserved, and left empty)

Reserved for a server-side function taking the debtor's lock and reading what the rules
need in one round trip. Not needed: the lock is taken in the BEGIN's round trip, so the
next statement's snapshot already sees what the lock's previous holder committed, and
that statement is compiled from the SQLAlchemy ones (``dispatcher/sending/postgres/``)
instead of frozen in a migration. Kept so that the revision chain stays as released.

Revision ID: 0019
Revises: 0018
"""

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
