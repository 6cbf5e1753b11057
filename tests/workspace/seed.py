"""A small book of contacts for the workspace's tests: a Chinese debtor whose text a
dispute hold blocked, and an American debtor whose text went out (assigned to c-17)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from dispatcher.contactlog.models import Message
from dispatcher.ids import new_message_id
from dispatcher.workspace.access.assignments import Assignments
from tests.dispatcher.conftest import Stack, reminder

ZH_VARIABLES = {
    "company_name": "安信资产", "debtor_name": "王伟", "amount": "3250.00", "currency": "CNY",
    "due_date": "2026-11-15", "days_overdue": 12, "contact_phone": "400-820-1234",
}  # fmt: skip


async def seed(stack: Stack) -> dict[str, str]:
    """Returns the message ids by name: ``blocked`` (D-CN), ``sent`` (D-1)."""
    log = stack.log
    await log.upsert_debtor("D-CN", locale="zh-CN", time_zone="Asia/Shanghai", country="CN")
    await log.upsert_debtor("D-1", locale="en-US", time_zone="America/New_York", country="US")
    await log.add_hold(
        kind="dispute", debtor_ref="D-CN", set_by="test", source="api", reason="债务人提出异议"
    )
    blocked = await stack.client.send(
        reminder(
            locale="zh-CN", destination="+86 138 0013 8000", debtor_ref="D-CN",
            account_ref="A-CN", variables=dict(ZH_VARIABLES), idempotency_key="seed-zh",
        )
    )  # fmt: skip
    sent = await stack.client.send(reminder(idempotency_key="seed-us"))
    await stack.run_worker()
    await Assignments(log.engine, stack.clock).assign("c-17", ["D-1"], by="test")
    return {"blocked": blocked.message_id, "sent": sent.message_id}


async def insert_contact(stack: Stack, **fields: Any) -> str:
    """One contact row as the pipeline leaves it (for the search's time cases)."""
    at = fields.pop("at", stack.clock.now())
    message_id = new_message_id()
    row = {
        "id": message_id, "idempotency_key": message_id, "debtor_ref": "D-CN",
        "account_ref": "A-CN", "channel": "sms", "template_name": "overdue_reminder",
        "template_version": "0123456789abcdef", "locale": "zh-CN", "variables": {},
        "destination": "+8613800138000", "content": "王伟，您好。", "segments": 1,
        "requested_by": "api:strategy-1", "created_at": datetime(2026, 11, 30, tzinfo=UTC),
        "scheduled_for": at, "valid_until": at + timedelta(days=3),
        "updated_at": at, "attempted_at": at, "status": "sent", "attempts": 1,
        "verdict": None, **fields,
    }  # fmt: skip
    async with stack.log.engine.begin() as conn:
        await conn.execute(insert(Message), [row])
    return message_id
