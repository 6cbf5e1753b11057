"""Shared pytest fixtures for the fake Twilio.

Import the ones you need into a conftest (``from tests.fakes.fixtures import fake_twilio``,
with ``# noqa: F401``), and run pytest from the repository root (``python -m pytest``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.fake_twilio import FakeTwilio

__all__ = [
    "TEST_ACCOUNT_SID",
    "TEST_AUTH_TOKEN",
    "TEST_FROM_NUMBER",
    "TEST_MESSAGING_SERVICE_SID",
    "fake_twilio",
]

# Shaped like the real thing (Prism checks the patterns); not real credentials.
TEST_ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
TEST_AUTH_TOKEN = "fake-auth-token-0123456789abcdef"
TEST_FROM_NUMBER = "+15005550006"
TEST_MESSAGING_SERVICE_SID = "MG" + "fedcba9876543210" * 2


@pytest.fixture
async def fake_twilio() -> AsyncIterator[FakeTwilio]:
    """A started ``FakeTwilio`` for the test account, without automatic callbacks."""
    async with FakeTwilio(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN) as fake:
        yield fake
