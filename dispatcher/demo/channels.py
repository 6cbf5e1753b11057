"""The demo's calls, letter and visits: one of each, through the same pipeline as texts.

Without Twilio credentials a call is "placed" into the local voice outbox (it gets no
answer, so its result stays unknown); the letter is rendered to a real PDF in the print
room folder; the visit notices go to the SMS outbox.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dispatcher.calls_and_visits.dispositions import OutcomeConflict, record_disposition
from dispatcher.calls_and_visits.visits import visit_request
from dispatcher.client import DispatcherClient
from dispatcher.enqueue.requests import MessageRequest
from dispatcher.i18n import format_local

__all__ = ["channel_requests", "promise_after_the_call", "register_collectors"]


CALLEE_ZONES = {"zh-CN": "Asia/Shanghai", "en-US": "America/New_York"}  # the callees' clocks
BEIJING = ZoneInfo(CALLEE_ZONES["zh-CN"])
NEW_YORK = ZoneInfo(CALLEE_ZONES["en-US"])
# Whom collector c-17 calls: the Chinese debtor in Beijing's daytime, else the American
# one in New York's (so the demo shows a placed call at most hours), with what a promise
# reminder then says.
CALLEES: dict[str, dict[str, Any]] = {
    "zh-CN": {
        "call": {"destination": "+86 139 1234 5678", "debtor_ref": "D-1002",
                 "account_ref": "A-1002", "variables": {"company_name": "安信资产"}},
        "reminder": {"company_name": "安信资产", "debtor_name": "李娜",
                     "contact_phone": "400-820-1234"},
        "promise": {"amount": "5000.00", "currency": "CNY", "note": "本周五先还5000元"},
    },
    "en-US": {
        "call": {"destination": "+1 201 555 0123", "debtor_ref": "D-2001",
                 "account_ref": "A-2001", "variables": {"company_name": "Harbor Recovery"}},
        "reminder": {"company_name": "Harbor Recovery", "debtor_name": "Maria Garcia",
                     "contact_phone": "(800) 555-0199"},
        "promise": {"amount": "400.00", "currency": "USD", "note": "pays part on Friday"},
    },
}  # fmt: skip


def callee_locale(now: datetime) -> str:
    if 8 <= now.astimezone(BEIJING).hour < 21:
        return "zh-CN"
    return "en-US" if 8 <= now.astimezone(NEW_YORK).hour < 20 else "zh-CN"


HOME = {"name": "李娜", "lines": ["上海市徐汇区衡山路88弄6号302室"], "postal_code": "200031",
        "country": "CN"}  # fmt: skip
LETTER = {
    "return_company_name": "安信服务中心",
    "return_address_lines": ["上海市浦东新区世纪大道100号20层", "邮编 200120"],
    "reference_code": "AX-DEMO-1002", "collector_name": "安信资产管理有限公司",
    "creditor_name": "华东商业银行信用卡中心", "account_number": "尾号4821",
    "principal": "18000.00", "interest": "436.17", "fees": "164.33", "payments_credits": "0.00",
    "current_amount": "18600.50", "currency": "CNY",
    "debt_reason": "您名下尾号4821的信用卡自2026年8月15日起未按合约偿还到期款项。",
    "legal_basis": "《中华人民共和国民法典》第六百七十四条、第六百七十五条及《信用卡领用合约》。",
    "dispute_reply_days": 10, "complaint_phone": "400-820-1235", "regulator_hotline": "12378",
    "collector_phone": "400-820-1234", "collector_hours": "工作日9:00–20:00",
    "repayment_account_name": "华东商业银行信用卡中心",
    "repayment_account_number": "3100 1234 5678 0000 001",
    "repayment_bank": "华东商业银行上海分行营业部",
    "collector_address_lines": ["上海市浦东新区世纪大道100号20层", "邮编 200120"],
}  # fmt: skip


async def register_collectors(client: DispatcherClient, today: date) -> None:
    collectors = client.log.collectors
    year = timedelta(days=365)
    await collectors.upsert("c-17", name="周强", phone="+86 139 0000 1717", team="上海二组",
                            trained_on=today - year, credential_expires=today + year)  # fmt: skip
    await collectors.upsert("c-21", name="陈静", phone="+86 139 0000 2121", team="上海二组",
                            trained_on=today - year, credential_expires=today + year)  # fmt: skip
    # Trained two years ago; the credential ran out last month: may not call or visit.
    expired = today - timedelta(days=30)
    await collectors.upsert("c-99", name="赵磊", phone="+86 139 0000 9999", team="外包A",
                            trained_on=today - 2 * year, credential_expires=expired)  # fmt: skip


async def channel_requests(client: DispatcherClient, now: datetime) -> list[MessageRequest]:
    """A collector's call, one by an expired collector, a letter, and two visits."""
    locale = callee_locale(now)
    call: dict[str, Any] = {"channel": "voice", "template": "collector_call", "locale": locale,
                            **CALLEES[locale]["call"]}  # fmt: skip
    tomorrow_10 = datetime.combine(now.astimezone(BEIJING).date() + timedelta(days=1),
                                   time(10), tzinfo=BEIJING)  # fmt: skip
    tonight = tomorrow_10.replace(hour=22, minute=30) - timedelta(days=1)
    visit: dict[str, Any] = {"debtor_ref": "D-1002", "address": HOME, "locale": "zh-CN",
                             "variables": {"debtor_name": "李娜"}}  # fmt: skip
    return [
        MessageRequest(**call, collector_id="c-17", idempotency_key="demo:call:c-17"),
        MessageRequest(**call, collector_id="c-99", idempotency_key="demo:call:c-99"),
        MessageRequest(
            channel="letter",
            template="first_notice",
            locale="zh-CN",
            destination="",
            debtor_ref="D-1002",
            account_ref="A-1002",
            address=HOME,
            idempotency_key="demo:letter:first_notice",
            variables={
                **LETTER,
                "letter_date": now.date().isoformat(),
                "balance_date": now.date().isoformat(),
                "dispute_deadline": (now.date() + timedelta(days=30)).isoformat(),
                "request_received_date": now.date().isoformat(),
            },
        ),
        await visit_request(
            client.log,
            **visit,
            visit_at=tomorrow_10,
            collector_ids=["c-17", "c-21"],
            idempotency_key="demo:visit:1",
        ),
        # booked for 22:30 Beijing time: inside cn's quiet hours, so refused, not moved
        await visit_request(
            client.log,
            **visit,
            visit_at=max(tonight, now + timedelta(hours=1)),
            collector_ids=["c-17", "c-21"],
            idempotency_key="demo:visit:late",
        ),
    ]


async def promise_after_the_call(client: DispatcherClient, call_id: str, today: date) -> str:
    """Collector c-17 records that the debtor promised to pay: a reminder is scheduled."""
    locale = (await client.log.get(call_id)).locale
    callee = CALLEES[locale]
    try:
        recorded = await record_disposition(
            client, call_id, kind="promise_to_pay", by_collector="c-17",
            details={**callee["promise"], "date": (today + timedelta(days=5)).isoformat(),
                     "reminder_variables": callee["reminder"]},
        )  # fmt: skip
    except OutcomeConflict as exc:
        return f"no disposition: {exc}"
    [reminder] = recorded.follow_ups
    return (
        f"disposition promise_to_pay → result {recorded.result}; reminder text "
        f"{reminder.message_id[-8:]} scheduled for "
        f"{format_local(reminder.scheduled_for, CALLEE_ZONES[locale], 'en-US')}"
    )
