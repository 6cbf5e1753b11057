"""A small book of contacts for the workspace's tests: a Chinese debtor whose text a
dispute hold blocked, and an American debtor whose text went out (assigned to c-17)."""

from __future__ import annotations

from dispatcher.workspace.assignments import Assignments
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
