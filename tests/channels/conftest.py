"""Fixtures for channel tests: the fake Twilio, a channel pointed at it, a callback receiver."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from channels.twilio import TwilioSmsChannel
from tests.fakes.fake_twilio import FakeTwilio
from tests.fakes.fixtures import (
    TEST_ACCOUNT_SID,
    TEST_AUTH_TOKEN,
    TEST_FROM_NUMBER,
    fake_twilio,
)
from tests.fakes.status_receiver import StatusCallbackReceiver

__all__ = ["callback_receiver", "fake_twilio", "sms_channel"]


@pytest.fixture
async def sms_channel(fake_twilio: FakeTwilio) -> AsyncIterator[TwilioSmsChannel]:
    """A ``TwilioSmsChannel`` sending from ``TEST_FROM_NUMBER`` through the fake Twilio."""
    channel = TwilioSmsChannel(
        TEST_ACCOUNT_SID,
        TEST_AUTH_TOKEN,
        from_number=TEST_FROM_NUMBER,
        api_base_url=fake_twilio.base_url,
        timeout_s=5.0,
    )
    yield channel
    await channel.aclose()


@pytest.fixture
async def callback_receiver() -> AsyncIterator[StatusCallbackReceiver]:
    """A status-callback endpoint that checks signatures made with ``TEST_AUTH_TOKEN``."""
    async with StatusCallbackReceiver(TEST_AUTH_TOKEN) as receiver:
        yield receiver
