"""The workspace over real HTTP: the dispatcher ``stack`` (its app on a port, Redis, SQLite
or PostgreSQL, a fake Twilio), people of every role, and a cookie-keeping client that
signs in through the form as a browser does."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import ClientSession, CookieJar

from dispatcher.workspace.access.people import Lockout, PeopleStore
from dispatcher.workspace.access.roles import PersonRole
from tests.api.conftest import api, clear_api_tables  # noqa: F401
from tests.dispatcher.conftest import Stack, stack, stack_options  # noqa: F401

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Browser:
    """An HTTP client that keeps cookies and fills in forms' CSRF tokens."""

    http: ClientSession
    base_url: str
    csrf: str = ""

    async def get(self, path: str, **params: str) -> tuple[int, str]:
        async with self.http.get(self.base_url + path, params=params) as response:
            page = await response.text()
            found = CSRF.search(page)
            if found:
                self.csrf = found.group(1)
            return response.status, page

    async def post(
        self, path: str, form: dict[str, str], *, csrf: bool = True
    ) -> tuple[int, str, Any]:
        data = {**form, **({"csrf_token": self.csrf} if csrf else {})}
        async with self.http.post(self.base_url + path, data=data) as response:
            return response.status, await response.text(), response

    async def sign_in(self, username: str, password: str = PASSWORD) -> int:
        await self.get("/workspace/sign-in")
        status, _, _ = await self.post(
            "/workspace/sign-in", {"username": username, "password": password}
        )
        await self.get("/workspace/")  # the session's token for the forms that follow
        return status


def people_store(stack: Stack, **lockout: Any) -> PeopleStore:  # noqa: F811
    from datetime import timedelta

    return PeopleStore(
        stack.log.engine,
        stack.clock,
        lockout=Lockout(
            failures=lockout.get("failures", stack.settings.workspace_lockout_failures),
            duration=timedelta(minutes=stack.settings.workspace_lockout_min),
        ),
        session_length=timedelta(hours=8),
    )


@pytest.fixture
async def people(stack: Stack) -> PeopleStore:  # noqa: F811
    store = people_store(stack)
    await store.add("ann", PASSWORD, roles={PersonRole.COMPLIANCE}, display_name="王安")
    await store.add("sam", PASSWORD, roles={PersonRole.SUPERVISOR})
    await store.add("ada", PASSWORD, roles={PersonRole.ADMIN})
    await store.add("cole", PASSWORD, roles={PersonRole.COLLECTOR}, collector_id="c-17")
    return store


@pytest.fixture
async def browser(stack: Stack) -> AsyncIterator[Browser]:  # noqa: F811
    async with ClientSession(
        cookie_jar=CookieJar(unsafe=True), headers={"Accept-Language": "zh-CN,zh;q=0.9"}
    ) as http:
        yield Browser(http, stack.settings.public_base_url)
