"""Migration 0009: sends once closed as failed/outcome_unknown become unknown, with an event."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from dispatcher.contactlog.database import create_engine
from dispatcher.contactlog.migrate import upgrade

_COLUMNS = (
    "id, idempotency_key, debtor_ref, channel, template_name, template_version, locale, "
    "variables, destination, requested_by, created_at, scheduled_for, valid_until, "
    "updated_at, status, attempts, error_code"
)


async def test_a_legacy_unknown_outcome_becomes_unknown(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'log.sqlite'}")
    try:
        await upgrade(engine, "0008")
        async with engine.begin() as conn:
            for message_id, code in (("0" * 26, "outcome_unknown"), ("1" * 26, "21211")):
                await conn.execute(
                    text(
                        f"INSERT INTO messages ({_COLUMNS}) VALUES (:id, :id, 'D-1', 'sms', "
                        "'overdue_reminder', 'v1', 'en-US', '{}', '+12015550123', 'strategy', "
                        "'2026-11-30 13:30:00', '2026-11-30 13:30:00', '2026-12-03 13:30:00', "
                        "'2026-11-30 13:30:00', 'failed', 1, :code)"
                    ),
                    {"id": message_id, "code": code},
                )

        await upgrade(engine)

        async with engine.connect() as conn:
            statuses = dict((await conn.execute(text("SELECT id, status FROM messages"))).all())
            events = (
                await conn.execute(text("SELECT message_id, status FROM message_events"))
            ).all()
        assert statuses == {"0" * 26: "unknown", "1" * 26: "failed"}
        assert events == [("0" * 26, "unknown")]
    finally:
        await engine.dispose()
