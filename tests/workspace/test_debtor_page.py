"""A debtor's page: the time line in the debtor's local time, the verdict in the reader's
language, holds set and lifted with a confirm step, collectors limited to their debtors."""

from __future__ import annotations

from sqlalchemy import select, update

from dispatcher.contactlog.models import AuditRead, Hold, Message
from dispatcher.workspace.access.people import PeopleStore
from tests.dispatcher.conftest import Stack
from tests.workspace.conftest import Browser
from tests.workspace.seed import insert_contact, seed


async def test_the_time_line_shows_the_blocked_text_and_why_on_the_debtors_clock(
    browser: Browser, people: PeopleStore, stack: Stack
) -> None:
    ids = await seed(stack)
    await browser.sign_in("ann")
    status, page = await browser.get("/workspace/debtors/D-CN")
    assert status == 200
    assert f'id="m-{ids["blocked"]}"' in page
    assert "已拦截" in page and "hold.active" in page  # the status, and the rule
    assert "债务人有“争议”暂停标记" in page  # the reason, in Chinese
    assert "Asia/Shanghai，UTC+08:00" in page  # the debtor's local time, with the zone
    assert 'title="2026年' in page and "（UTC）" in page  # UTC on hover
    async with stack.log.engine.connect() as conn:
        reads = await conn.execute(select(AuditRead.reader, AuditRead.action, AuditRead.debtor_ref))
        assert ("person:ann", "debtor.read", "D-CN") in [tuple(r) for r in reads]


async def test_a_collector_sees_their_debtor_and_no_other(
    browser: Browser, people: PeopleStore, stack: Stack
) -> None:
    await seed(stack)
    await browser.sign_in("cole")
    assert (await browser.get("/workspace/debtors/D-1"))[0] == 200
    assert (await browser.get("/workspace/debtors/D-CN"))[0] == 404  # exists, not theirs
    assert (await browser.get("/workspace/debtors/D-NOBODY"))[0] == 404  # the same answer


async def test_a_hold_is_set_after_a_confirm_step_and_logged(
    browser: Browser, people: PeopleStore, stack: Stack
) -> None:
    await seed(stack)
    await browser.sign_in("ann")
    await browser.get("/workspace/debtors/D-1")
    form = {"action": "set", "kind": "cease", "channel": "", "reason": "律师来函"}
    status, page, _ = await browser.post("/workspace/debtors/D-1/holds", form)
    assert status == 200 and 'name="confirmed" value="yes"' in page
    async with stack.log.engine.connect() as conn:
        assert (await conn.execute(select(Hold).where(Hold.kind == "cease"))).first() is None

    status, page, _ = await browser.post(
        "/workspace/debtors/D-1/holds", {**form, "confirmed": "yes"}
    )
    assert status == 200 and "已设置暂停联系" in page
    async with stack.log.engine.connect() as conn:
        hold = (await conn.execute(select(Hold.__table__).where(Hold.kind == "cease"))).one()
    assert hold.set_by == "person:ann" and hold.reason == "律师来函" and hold.source == "workspace"


async def test_a_hold_without_a_reason_names_the_field(
    browser: Browser, people: PeopleStore, stack: Stack
) -> None:
    await seed(stack)
    await browser.sign_in("ann")
    await browser.get("/workspace/debtors/D-1")
    status, page, _ = await browser.post(
        "/workspace/debtors/D-1/holds", {"action": "set", "kind": "cease", "reason": " "}
    )
    assert status == 422 and 'id="hold-reason-error">请填写此项。' in page


async def test_a_collector_may_not_set_holds(
    browser: Browser, people: PeopleStore, stack: Stack
) -> None:
    await seed(stack)
    await browser.sign_in("cole")
    await browser.get("/workspace/debtors/D-1")
    status, _, _ = await browser.post(
        "/workspace/debtors/D-1/holds", {"action": "set", "kind": "cease", "reason": "x"}
    )
    assert status == 403


async def test_a_collector_raises_a_complaint_flag_shown_wherever_the_debtor_appears(
    browser: Browser, people: PeopleStore, stack: Stack
) -> None:
    ids = await seed(stack)
    await browser.sign_in("cole")
    await browser.get("/workspace/debtors/D-1")
    form = {"flag_action": "set", "flag": "complaint", "flag_reason": "债务人投诉催收频繁"}
    status, page, _ = await browser.post("/workspace/debtors/D-1/flags", form)
    assert status == 200 and "对债务人 D-1 设置风险标记“投诉”" in page
    status, page, _ = await browser.post(
        "/workspace/debtors/D-1/flags", {**form, "confirmed": "yes"}
    )
    assert status == 200 and "已设置风险标记" in page
    assert '<dd id="risk-flags"><span class="flag" title="债务人投诉催收频繁">投诉</span>' in page
    _, page = await browser.get("/workspace/search", debtor_ref="D-1")
    assert (
        f"#m-{ids['sent']}" in page and '<span class="flag" title="债务人投诉催收频繁">投诉' in page
    )

    # The collector who raised it may not clear it.
    status, page, _ = await browser.post(
        "/workspace/debtors/D-1/flags",
        {"flag_action": "clear", "flag": "complaint", "flag_reason": "x", "confirmed": "yes"},
    )
    assert status == 422 and "您的角色无权访问此页面" in page

    await browser.post("/workspace/sign-out", {})
    await browser.sign_in("sam")
    await browser.get("/workspace/debtors/D-1")
    status, page, _ = await browser.post(
        "/workspace/debtors/D-1/flags",
        {"flag_action": "review", "flag": "complaint", "flag_reason": "已复核", "confirmed": "yes"},
    )
    assert status == 200 and "已记录风险标记的复核" in page and "person:sam" in page


async def test_a_letters_printed_pdf_is_served_to_those_who_may_see_the_debtor(
    browser: Browser, people: PeopleStore, stack: Stack
) -> None:
    await seed(stack)  # D-1 is c-17's, D-CN is not
    pdf = b"%PDF-1.4\n% the letter as printed\n%%EOF\n"
    folder = stack.settings.data_dir / "print-room" / "2026-11-30"
    folder.mkdir(parents=True)
    letters = {}
    for debtor in ("D-1", "D-CN"):
        letter_id = await insert_contact(
            stack, debtor_ref=debtor, channel="letter", provider="print_room", destination="",
        )  # fmt: skip
        (folder / f"{letter_id}.pdf").write_bytes(pdf)
        async with stack.log.engine.begin() as conn:
            await conn.execute(
                update(Message).where(Message.id == letter_id)
                .values(provider_message_id=f"2026-11-30/{letter_id}.pdf")
            )  # fmt: skip
        letters[debtor] = letter_id
    await browser.sign_in("cole")
    _, page = await browser.get("/workspace/debtors/D-1")
    assert f'href="/workspace/letters/{letters["D-1"]}.pdf"' in page
    async with browser.http.get(
        f"{browser.base_url}/workspace/letters/{letters['D-1']}.pdf"
    ) as response:
        assert response.status == 200 and response.content_type == "application/pdf"
        assert await response.read() == pdf
    status, _ = await browser.get(f"/workspace/letters/{letters['D-CN']}.pdf")
    assert status == 404  # not this collector's debtor
