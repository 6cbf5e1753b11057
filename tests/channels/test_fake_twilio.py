"""The fake Twilio itself: it must refuse what Twilio refuses, the way Twilio does."""

from __future__ import annotations

import aiohttp
import pytest

from tests.fakes.fake_twilio import FakeTwilio
from tests.fakes.fixtures import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TEST_FROM_NUMBER

GOOD = {"To": "+14155550123", "From": TEST_FROM_NUMBER, "Body": "hi"}


def basic_auth(login: str, password: str) -> dict[str, str]:
    return {"Authorization": aiohttp.encode_basic_auth(login, password)}


async def post(
    fake: FakeTwilio,
    form: dict[str, str],
    auth: tuple[str, str] = (TEST_ACCOUNT_SID, TEST_AUTH_TOKEN),
) -> tuple[int, dict[str, object]]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(fake.messages_url, data=form, headers=basic_auth(*auth)) as response,
    ):
        return response.status, await response.json()


@pytest.mark.parametrize(
    ("drop", "code"), [("To", 21604), ("Body", 21602), ("From", 21603)], ids=lambda v: str(v)
)
async def test_missing_fields_are_refused_with_twilio_codes(
    fake_twilio: FakeTwilio, drop: str, code: int
) -> None:
    form = {k: v for k, v in GOOD.items() if k != drop}

    status, payload = await post(fake_twilio, form)

    assert (status, payload["code"], payload["status"]) == (400, code, 400)
    assert payload["more_info"] == f"https://www.twilio.com/docs/errors/{code}"
    assert fake_twilio.messages == {}


async def test_wrong_credentials_get_twilio_20003(fake_twilio: FakeTwilio) -> None:
    status, payload = await post(fake_twilio, GOOD, auth=(TEST_ACCOUNT_SID, "wrong"))

    assert (status, payload["code"], payload["message"]) == (401, 20003, "Authenticate")


async def test_created_message_is_twilio_shaped_and_fetchable(fake_twilio: FakeTwilio) -> None:
    status, payload = await post(fake_twilio, GOOD)

    assert status == 201
    assert payload["status"] == "queued"
    assert payload["account_sid"] == TEST_ACCOUNT_SID
    assert (payload["to"], payload["from"], payload["body"]) == (GOOD["To"], GOOD["From"], "hi")
    assert str(payload["date_created"]).endswith("+0000")
    sid = str(payload["sid"])
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            fake_twilio.base_url + str(payload["uri"]),
            headers=basic_auth(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN),
        ) as response,
    ):
        assert (response.status, (await response.json())["sid"]) == (200, sid)
