"""The workspace in a real headless Chromium, as its people use it: a compliance officer
signs in (in Chinese), finds a debtor, reads why a text was blocked, exports the search,
sets a hold; pauses sending, which an admin resumes; a collector opens their desk.
Screenshots of each page are kept in ``test-artefacts/screenshots/``."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from dispatcher.contactlog.models import Hold, Pause
from dispatcher.workspace.access.people import PeopleStore
from tests.dispatcher.conftest import Stack
from tests.workspace.browser.conftest import Chromium
from tests.workspace.browser.pages import Person
from tests.workspace.seed import seed


@pytest.fixture
def person(chromium: Chromium, stack: Stack) -> Person:
    return Person(chromium, stack.settings.public_base_url)


async def test_a_compliance_officer_finds_a_debtor_reads_why_exports_and_sets_a_hold(
    person: Person, people: PeopleStore, stack: Stack
) -> None:
    ids = await seed(stack)
    await person.open("/workspace/")
    assert await person.attribute("html", "lang") == "zh-CN"
    await person.shot("sign-in")
    await person.sign_in("ann")
    assert "欢迎，王安。" in await person.text("main")

    # Find the debtor.
    await person.open("/workspace/search")
    await person.fill("f-debtor_ref", "D-CN")
    await person.press("search-submit")
    await person.shot("search")
    await person.click(f"a[href$='#m-{ids['blocked']}']")

    # Why the text was blocked, in Chinese, on the debtor's clock.
    entry = await person.text(f"#m-{ids['blocked']}")
    assert "已拦截" in entry and "债务人有“争议”暂停标记" in entry
    assert "Asia/Shanghai，UTC+08:00" in entry
    await person.shot("debtor-timeline")

    # Export what the search found: a CSV that starts with a BOM.
    await person.back()
    await person.tap("export-csv")
    exported = await person.downloaded("contacts.csv")
    assert exported.startswith(b"\xef\xbb\xbf") and "联系编号".encode() in exported
    assert ids["blocked"].encode() in exported

    # Set a hold, with a reason, after confirming.
    await person.open("/workspace/debtors/D-CN")
    await person.choose("hold-kind", "cease")
    await person.fill("hold-reason", "律师来函，停止联系")
    await person.press("hold-submit")
    assert "对债务人 D-CN 设置“停止联系”暂停联系" in await person.text("main")
    await person.shot("confirm-hold")
    await person.press("confirm")
    assert "已设置暂停联系。" in await person.text("main")
    async with stack.log.engine.connect() as conn:
        hold = (await conn.execute(select(Hold.__table__).where(Hold.kind == "cease"))).one()
    assert (hold.debtor_ref, hold.set_by, hold.reason) == (
        "D-CN",
        "person:ann",
        "律师来函，停止联系",
    )


async def test_compliance_pauses_and_an_admin_resumes(
    person: Person, people: PeopleStore, stack: Stack
) -> None:
    await person.sign_in("ann")
    await person.open("/workspace/pauses")
    await person.choose("pause-scope", "all")
    await person.fill("pause-reason", "系统升级，暂停一切联系")
    await person.press("pause-submit")
    await person.press("confirm")
    assert "系统升级，暂停一切联系" in await person.text("#active-pauses")
    await person.shot("pauses")
    assert await person.count("#pause-action option") == 1  # compliance may not resume

    await person.sign_out()
    await person.sign_in("ada")
    await person.open("/workspace/pauses")
    await person.choose("pause-action", "resume")
    await person.choose("pause-scope", "all")
    await person.fill("pause-reason", "升级完成")
    await person.press("pause-submit")
    await person.press("confirm")
    assert "当前没有暂停。" in await person.text("#no-pauses")
    async with stack.log.engine.connect() as conn:
        pause = (await conn.execute(select(Pause.__table__))).one()
    assert (pause.paused_by, pause.lifted_by, pause.lift_reason) == (
        "person:ann", "person:ada", "升级完成",
    )  # fmt: skip


async def test_a_collectors_desk_and_the_template_review(
    person: Person, people: PeopleStore, stack: Stack
) -> None:
    await seed(stack)
    await stack.log.collectors.upsert(
        "c-17", name="Cole", phone="+12015550101", trained_on=date(2026, 1, 5)
    )
    await stack.log.upsert_debtor(
        "D-1", locale="en-US", time_zone="America/New_York", country="US",
        phones=[{"number": "+12015550123", "type": "mobile", "consent": True}],
    )  # fmt: skip
    await person.sign_in("cole")
    await person.open("/workspace/desk")
    await person.fill("call-company", "Harbor Recovery")
    await person.press("call-submit")
    assert "D-1" in await person.text("#due")
    await person.shot("desk")

    await person.sign_out()
    await person.sign_in("ann")
    await person.open("/workspace/templates")
    await person.shot("templates")
    await person.click("a[href='/workspace/templates/sms/zh-CN/overdue_reminder']")
    assert "compliance:initial-review" in await person.text("dl.facts .ok")
    await person.shot("template")
