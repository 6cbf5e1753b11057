"""the proof extended: every append sealed, append-only grants, retention and destruction

- audit_leaves name their kind, format version, debtor secret and commitment; a row id is
  unique per kind. audit_checkpoints keep every kind's cursor.
- debtor_secrets: the keys personal fields are committed under (crypto-shredding).
- retention_policies, retention_closures, retention_runs, retention_progress,
  retention_certificates.
- PostgreSQL: the append-only trigger on every sealed table (dispatcher/proof/appendonly.py).
  The application role's grants are given by `dispatcher audit protect --app-role NAME`.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIME = sa.DateTime(timezone=True)

# The sealed tables as of this revision, with the columns the application may set once.
# A later sealed table is protected by `dispatcher audit protect` (or its own migration).
PROTECTED = {
    "audit_leaves": (), "audit_checkpoints": (), "debtor_secrets": (),
    "message_events": (), "holds": ("lifted_at", "lifted_by"), "template_approvals": (),
    "pauses": ("lifted_at", "lifted_by", "lift_reason"), "api_keys": ("revoked_at", "revoked_by"),
    "audit_reads": ("rows",), "retention_certificates": (),
}  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table("audit_leaves") as batch:
        batch.add_column(sa.Column("kind", sa.String(40), nullable=False,
                                   server_default="message_event"))  # fmt: skip
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("secret_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("commitment", sa.LargeBinary(32), nullable=True))
        batch.drop_constraint("uq_audit_leaves_event_id", type_="unique")
        batch.create_unique_constraint("uq_audit_leaves_kind_event_id", ["kind", "event_id"])
    with op.batch_alter_table("audit_checkpoints") as batch:
        batch.add_column(sa.Column("cursors", JSON, nullable=True))
    op.create_table(
        "debtor_secrets",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("debtor_ref", sa.String(100), nullable=False),
        sa.Column("secret", sa.LargeBinary(32), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("destroyed_at", TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_debtor_secrets")),
    )
    op.create_index(op.f("ix_debtor_secrets_debtor_ref"), "debtor_secrets", ["debtor_ref"])
    _retention_tables()
    if op.get_bind().dialect.name == "postgresql":
        from dispatcher.proof.appendonly import install_triggers

        install_triggers(op.get_bind(), PROTECTED)


def _retention_tables() -> None:
    op.create_table(
        "retention_policies",
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("ref", sa.String(100), nullable=False),
        sa.Column("keep_days", sa.Integer(), nullable=False),
        sa.Column("set_by", sa.String(100), nullable=False),
        sa.Column("set_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("scope", "ref", name=op.f("pk_retention_policies")),
    )
    op.create_table(
        "retention_closures",
        sa.Column("debtor_ref", sa.String(100), nullable=False),
        sa.Column("portfolio", sa.String(100), nullable=True),
        sa.Column("closed_at", TIME, nullable=False),
        sa.Column("set_by", sa.String(100), nullable=False),
        sa.Column("set_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("debtor_ref", name=op.f("pk_retention_closures")),
    )
    op.create_table(
        "retention_runs",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("started_at", TIME, nullable=False),
        sa.Column("by", sa.String(100), nullable=False),
        sa.Column("plan", JSON, nullable=False),
        sa.Column("finished_at", TIME, nullable=True),
        sa.Column("certificate_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_runs")),
    )
    op.create_table(
        "retention_progress",
        sa.Column("run_id", sa.BigInteger(), nullable=False),
        sa.Column("debtor_ref", sa.String(100), nullable=False),
        sa.Column("rows", JSON, nullable=False),
        sa.Column("done_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("run_id", "debtor_ref", name=op.f("pk_retention_progress")),
    )
    op.create_table(
        "retention_certificates",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.Column("by", sa.String(100), nullable=False),
        sa.Column("run_id", sa.BigInteger(), nullable=False),
        sa.Column("debtors", JSON, nullable=False),
        sa.Column("rows", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_certificates")),
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in PROTECTED:
            if table != "retention_certificates" and table != "debtor_secrets":
                op.execute(f"DROP TRIGGER IF EXISTS audit_append_only ON {table}")
        op.execute("DROP FUNCTION IF EXISTS audit_append_only()")
    for table in ("retention_certificates", "retention_progress", "retention_runs",
                  "retention_closures", "retention_policies", "debtor_secrets"):  # fmt: skip
        op.drop_table(table)
    with op.batch_alter_table("audit_checkpoints") as batch:
        batch.drop_column("cursors")
    with op.batch_alter_table("audit_leaves") as batch:
        batch.drop_constraint("uq_audit_leaves_kind_event_id", type_="unique")
        batch.create_unique_constraint("uq_audit_leaves_event_id", ["event_id"])
        for column in ("commitment", "secret_id", "version", "kind"):
            batch.drop_column(column)
