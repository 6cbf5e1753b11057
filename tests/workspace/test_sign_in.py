"""Signing in: sessions, CSRF on every form, lock-out, and the access log."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from dispatcher.contactlog.models import AuditRead
from dispatcher.workspace.access.people import PeopleStore, SignIn
from tests.dispatcher.conftest import Stack
from tests.workspace.conftest import PASSWORD, Browser


async def access_log(stack: Stack) -> list[tuple[str, str]]:
    async with stack.log.engine.connect() as conn:
        rows = await conn.execute(select(AuditRead.reader, AuditRead.action).order_by(AuditRead.id))
        return [(r.reader, r.action) for r in rows]


async def test_a_page_behind_sign_in_sends_a_stranger_to_the_form(
    browser: Browser, people: PeopleStore
) -> None:
    status, page = await browser.get("/workspace/")
    assert status == 200 and 'action="/workspace/sign-in"' in page
    assert '<html lang="zh-CN">' in page and "登录" in page  # Accept-Language: zh-CN


async def test_sign_in_sets_a_strict_http_only_cookie_and_logs_it(
    browser: Browser, people: PeopleStore, stack: Stack
) -> None:
    await browser.get("/workspace/sign-in")
    status, _, response = await browser.post(
        "/workspace/sign-in", {"username": "ann", "password": PASSWORD}
    )
    assert status == 200  # followed the 303 to the home page
    cookie = response.history[0].cookies["ws_session"]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and not cookie["secure"]
    status, page = await browser.get("/workspace/")
    assert "欢迎，王安。" in page
    assert ("person:ann", "signin.ok") in await access_log(stack)


async def test_a_wrong_password_is_refused_and_logged(
    browser: Browser, people: PeopleStore, stack: Stack
) -> None:
    assert await browser.sign_in("ann", "not the password") == 401
    _, page = await browser.get("/workspace/")
    assert 'action="/workspace/sign-in"' in page
    assert ("person:ann", "signin.failed") in await access_log(stack)


async def test_a_name_nobody_has_is_not_written_to_the_sealed_access_log(
    browser: Browser, people: PeopleStore, stack: Stack
) -> None:
    assert await browser.sign_in("hunter2-typed-in-the-wrong-field", "x") == 401
    assert await access_log(stack) == [("person:?", "signin.failed")]


async def test_repeated_failures_lock_the_account_even_for_the_right_password(
    browser: Browser, people: PeopleStore, stack: Stack
) -> None:
    for _ in range(stack.settings.workspace_lockout_failures):
        await browser.sign_in("cole", "wrong wrong wrong")
    assert await browser.sign_in("cole") == 401
    actions = [action for reader, action in await access_log(stack) if reader == "person:cole"]
    assert actions[-2:] == ["signin.locked", "signin.locked"]


async def test_a_post_without_the_csrf_token_is_refused(
    browser: Browser, people: PeopleStore
) -> None:
    await browser.sign_in("ann")
    status, page, _ = await browser.post("/workspace/sign-out", {}, csrf=False)
    assert status == 403 and "表单已过期" in page
    status, _ = await browser.get("/workspace/")
    assert status == 200 and "欢迎" in (await browser.get("/workspace/"))[1]  # still signed in


async def test_sign_in_without_the_form_token_is_refused(
    browser: Browser, people: PeopleStore, stack: Stack
) -> None:
    status, _, _ = await browser.post(
        "/workspace/sign-in", {"username": "ann", "password": PASSWORD}, csrf=False
    )
    assert status == 403
    assert await access_log(stack) == []


async def test_signing_out_ends_the_session_and_is_logged(
    browser: Browser, people: PeopleStore, stack: Stack
) -> None:
    await browser.sign_in("ann")
    status, page, _ = await browser.post("/workspace/sign-out", {})
    assert status == 200 and 'action="/workspace/sign-in"' in page
    _, page = await browser.get("/workspace/")
    assert 'action="/workspace/sign-in"' in page
    logged = await access_log(stack)
    assert logged[-2:] == [("person:ann", "signin.ok"), ("person:ann", "signout")]


async def test_the_language_switch_is_remembered(browser: Browser, people: PeopleStore) -> None:
    await browser.sign_in("ann")
    status, page = await browser.get("/workspace/lang/en-US", next="/workspace/")
    assert status == 200 and '<html lang="en-US">' in page and "Welcome, 王安." in page


async def test_a_locked_account_loses_its_sessions(browser: Browser, people: PeopleStore) -> None:
    await browser.sign_in("ann")
    await people.lock("ann")
    _, page = await browser.get("/workspace/")
    assert 'action="/workspace/sign-in"' in page


async def test_failures_made_at_once_are_all_counted(people: PeopleStore, stack: Stack) -> None:
    tries = stack.settings.workspace_lockout_failures
    await asyncio.gather(*(people.sign_in("cole", "wrong wrong wrong") for _ in range(tries)))
    assert (await people.sign_in("cole", PASSWORD)).outcome is SignIn.LOCKED
