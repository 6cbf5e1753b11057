"""The stack, workspace and browser fixtures, and an ``api`` for the statistics endpoints.

The ``api`` here makes one key per role with names of its own and deletes nothing (API keys
are append-only on PostgreSQL since migration 0012)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from aiohttp import ClientSession

from dispatcher.contactlog.keys import ApiKeyStore, Role
from tests.api.conftest import HttpApi
from tests.dispatcher.conftest import Stack, stack, stack_options  # noqa: F401
from tests.workspace.browser.conftest import chromium  # noqa: F401
from tests.workspace.conftest import browser, people  # noqa: F401


@pytest.fixture
async def api(stack: Stack) -> AsyncIterator[HttpApi]:  # noqa: F811
    store = ApiKeyStore(stack.log.engine, stack.clock)
    run = uuid.uuid4().hex[:8]
    keys = {
        role: (await store.create(name=f"{role}-{run}", role=role, created_by="test")).secret
        for role in Role
    }
    async with ClientSession() as http:
        yield HttpApi(stack, http, stack.settings.public_base_url, keys)
