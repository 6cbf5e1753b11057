"""Compliance actions from the workspace: approving a template version (its diff against
the approved one, the civility findings, the same checks as the API), and pausing and
resuming (compliance pauses; a supervisor or an admin resumes), each confirmed first."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, select

from dispatcher.contactlog.approvals import ApprovalDecision, TemplateApprovals
from dispatcher.contactlog.models import Pause, TemplateApproval
from dispatcher.workspace.access.people import PeopleStore
from dispatcher.workspace.models import TemplateText
from templates import TemplateCatalog
from tests.dispatcher.conftest import REMINDER, Stack
from tests.workspace.conftest import Browser

PAGE = "/workspace/templates/sms/en-US/overdue_reminder"
OLD_TEXT = "{{ company_name }}: Hello {{ debtor_name }}, you owe {{ amount }}.\nReply STOP to stop."
SAMPLE = {f"var.{k}": str(v) for k, v in REMINDER["variables"].items()}


async def unapprove_current(stack: Stack) -> str:
    """Revoke the shipped version and approve an older one whose text the workspace kept."""
    catalog = TemplateCatalog()
    current = catalog.get("sms", "overdue_reminder", "en-US").version
    approvals = TemplateApprovals(stack.log.engine, stack.clock, catalog)
    await approvals.decide(
        ApprovalDecision("sms", "en-US", "overdue_reminder", current, False, by="test")
    )
    await approvals.decide(
        ApprovalDecision(
            "sms", "en-US", "overdue_reminder", "00000000000000aa", True, by="compliance:old"
        )
    )
    async with stack.log.engine.begin() as conn:
        await conn.execute(
            insert(TemplateText).values(
                channel="sms", locale="en-US", name="overdue_reminder", version="00000000000000aa",
                source=OLD_TEXT, seen_at=datetime(2026, 11, 1, tzinfo=UTC),
            )
        )  # fmt: skip
    return current


async def test_a_changed_template_shows_its_diff_and_is_approved_after_confirming(
    browser: Browser, people: PeopleStore, stack: Stack
) -> None:
    current = await unapprove_current(stack)
    await browser.sign_in("ann")
    status, page = await browser.get(PAGE, **SAMPLE)
    assert status == 200
    assert '<span class="del">-{{ company_name }}: Hello {{ debtor_name }}, you owe' in page
    assert '<span class="add">+{{ company_name }}: Hello {{ debtor_name }}, a payment of' in page
    assert "文明用语检查未发现问题" in page and "Maria Garcia" in page  # preview and findings

    form = {**SAMPLE, "reason": "复核通过"}
    status, page, _ = await browser.post(PAGE, form)
    assert status == 200 and 'name="confirmed" value="yes"' in page
    status, page, _ = await browser.post(PAGE, {**form, "confirmed": "yes"})
    assert status == 200 and "此版本已获批准" in page
    async with stack.log.engine.connect() as conn:
        decided = (
            await conn.execute(
                select(TemplateApproval.__table__).where(TemplateApproval.version == current)
                .order_by(TemplateApproval.id.desc())
            )
        ).first()  # fmt: skip
    assert decided is not None and decided.approved and decided.by == "person:ann"
    assert decided.reason == "复核通过"


async def test_approval_refuses_a_sample_that_does_not_render(
    browser: Browser, people: PeopleStore, stack: Stack
) -> None:
    await unapprove_current(stack)
    await browser.sign_in("ann")
    await browser.get(PAGE)
    status, page, _ = await browser.post(PAGE, {**SAMPLE, "var.amount": "lots", "reason": "x"})
    assert status == 422 and 'id="refusals"' in page
    # the filter's finding in the reader's language (ann reads Chinese), not the engine's
    assert "示例变量无法渲染：金额：&#39;lots&#39; 不是有效的金额" in page
    assert "is not an amount" not in page


async def test_the_civility_findings_are_in_the_reader_s_language(
    browser: Browser, people: PeopleStore, stack: Stack
) -> None:
    # Given a sample whose text would threaten the debtor with jail
    await unapprove_current(stack)
    await browser.sign_in("ann")
    threat = {**SAMPLE, "var.debtor_name": "不还就让你坐牢"}
    # When compliance previews it, then tries to approve it
    _, preview = await browser.get(PAGE, **threat)
    status, refused, _ = await browser.post(PAGE, {**threat, "reason": "x"})
    # Then each finding is in Chinese, its category named in Chinese, and nothing approved
    assert "“坐牢”（拘捕或犯罪），位于第" in preview
    assert status == 422 and "模板文本：文明用语：&#39;坐牢&#39;（拘捕或犯罪），位于第" in refused
    assert "arrest_crime" not in preview + refused


async def test_a_supervisor_may_view_templates_but_not_approve(
    browser: Browser, people: PeopleStore, stack: Stack
) -> None:
    await unapprove_current(stack)
    await browser.sign_in("sam")
    status, page = await browser.get(PAGE)
    assert status == 200 and 'id="approve-submit"' not in page
    status, _, _ = await browser.post(PAGE, {**SAMPLE, "reason": "x", "confirmed": "yes"})
    assert status == 403


async def active_pauses(stack: Stack) -> list[tuple[str, str | None, str]]:
    async with stack.log.engine.connect() as conn:
        rows = await conn.execute(
            select(Pause.scope, Pause.target, Pause.paused_by).where(Pause.lifted_at.is_(None))
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


async def test_compliance_pauses_a_channel_and_only_a_supervisor_resumes_it(
    browser: Browser, people: PeopleStore, stack: Stack
) -> None:
    await browser.sign_in("ann")
    await browser.get("/workspace/pauses")
    form = {"action": "pause", "scope": "channel", "target": "sms", "reason": "投诉激增"}
    status, page, _ = await browser.post("/workspace/pauses", form)
    assert status == 200 and "暂停发送：渠道 短信。原因：投诉激增" in page
    assert await active_pauses(stack) == []  # nothing until confirmed
    await browser.post("/workspace/pauses", {**form, "confirmed": "yes"})
    assert await active_pauses(stack) == [("channel", "sms", "person:ann")]

    resume = {**form, "action": "resume", "reason": "已处理", "confirmed": "yes"}
    status, page, _ = await browser.post("/workspace/pauses", resume)
    assert status == 403 and "只有主管或管理员可以恢复发送" in page
    assert len(await active_pauses(stack)) == 1

    await browser.post("/workspace/sign-out", {})
    await browser.sign_in("sam")
    await browser.get("/workspace/pauses")
    status, page, _ = await browser.post("/workspace/pauses", resume)
    assert status == 200 and "已恢复发送" in page
    assert await active_pauses(stack) == []


async def test_a_campaign_pause_checks_the_campaign_name(
    browser: Browser, people: PeopleStore, stack: Stack
) -> None:
    await browser.sign_in("ann")
    await browser.get("/workspace/pauses")
    status, page, _ = await browser.post(
        "/workspace/pauses",
        {"action": "pause", "scope": "campaign", "target": "春季 活动", "reason": "r"},
    )
    assert status == 422 and "活动名称为 1 至 50 个字母" in page
