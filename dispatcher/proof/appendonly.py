"""Append-only at the database (PostgreSQL): a trigger on every sealed table, and grants
for the application's role.

The trigger refuses DELETE, and any UPDATE but setting a closing column (a hold's
``lifted_at``) once, from NULL. Its one exception is retention's erasure: a transaction
that sets ``dispatcher.erasing = on`` *and* runs as a member of the table's owner role
(the role migrations run as). The application's role is granted SELECT and INSERT on the
sealed tables and UPDATE only of their closing columns, so it can neither delete nor
rewrite them, with or without the setting.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

from dispatcher.proof.kinds import KINDS

__all__ = ["ERASING", "grant_application_role", "install_triggers", "protected_tables"]

ERASING = "SET LOCAL dispatcher.erasing = 'on'"

TRIGGER_FUNCTION = r"""
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    before jsonb;
    after jsonb;
    closing text;
    owner name;
BEGIN
    SELECT tableowner INTO owner FROM pg_tables
     WHERE schemaname = TG_TABLE_SCHEMA AND tablename = TG_TABLE_NAME;
    IF current_setting('dispatcher.erasing', true) = 'on'
       AND pg_has_role(current_user, owner, 'MEMBER') THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'the contact log is append-only: a row of % cannot be deleted',
            TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
    END IF;
    before := to_jsonb(OLD);
    after := to_jsonb(NEW);
    IF TG_NARGS > 0 THEN
        FOREACH closing IN ARRAY TG_ARGV LOOP
            IF before -> closing <> 'null'::jsonb
               AND before -> closing IS DISTINCT FROM after -> closing THEN
                RAISE EXCEPTION 'the contact log is append-only: %.% is written once',
                    TG_TABLE_NAME, closing USING ERRCODE = 'insufficient_privilege';
            END IF;
            before := before - closing;
            after := after - closing;
        END LOOP;
    END IF;
    IF before IS DISTINCT FROM after THEN
        RAISE EXCEPTION 'the contact log is append-only: a row of % cannot be changed',
            TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$
"""

# Tables that are append-only without being a sealed kind: the seal's own, and secrets.
OWN_TABLES: dict[str, tuple[str, ...]] = {
    "audit_leaves": (), "audit_checkpoints": (), "debtor_secrets": (),
}  # fmt: skip


def protected_tables() -> dict[str, tuple[str, ...]]:
    """Every append-only table, with the columns the application may set once."""
    tables = dict(OWN_TABLES)
    for kind in KINDS:
        if kind.cursor == "id":
            tables[kind.table.name] = tables.get(kind.table.name, ()) + kind.closing
    return tables


def install_triggers(conn: Connection, tables: dict[str, tuple[str, ...]]) -> None:
    conn.execute(text(TRIGGER_FUNCTION))
    for table, closing in tables.items():
        arguments = ", ".join(f"'{column}'" for column in closing)
        conn.execute(text(f"DROP TRIGGER IF EXISTS audit_append_only ON {table}"))
        conn.execute(text(
            f"CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION audit_append_only({arguments})"
        ))  # fmt: skip


def grant_application_role(conn: Connection, role: str) -> None:
    """What serve and the worker need, and no more on the sealed tables."""
    quoted = conn.dialect.identifier_preparer.quote(role)
    tables = protected_tables()
    every = [name for (name,) in conn.execute(
        text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    )]  # fmt: skip
    conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {quoted}"))
    conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}"))
    for table in every:
        if table == "alembic_version":
            conn.execute(text(f"GRANT SELECT ON {table} TO {quoted}"))
        elif table in tables:
            conn.execute(text(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {quoted}"))
            conn.execute(text(f"GRANT SELECT, INSERT ON {table} TO {quoted}"))
            if tables[table]:
                columns = ", ".join(tables[table])
                conn.execute(text(f"GRANT UPDATE ({columns}) ON {table} TO {quoted}"))
        else:
            conn.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {quoted}"))
