"""Signatures as the Standard Webhooks specification computes them, checked with its
reference library; two at once while a secret rotates."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from dispatcher.contactlog.keys import Role
from dispatcher.webhooks.signing import SignatureError, key_of, new_secret, sign, verify
from tests.api.conftest import HttpApi
from tests.webhooks.subscriber import Subscriber
from tests.webhooks.test_delivery import FAST_RETRIES, delivering, subscribe, until

BODY = b'{"type":"message.sent","timestamp":"2026-11-30T13:30:00+00:00","data":{}}'


@pytest.fixture
def stack_options() -> dict[str, Any]:
    return dict(FAST_RETRIES)


def test_the_signature_is_hmac_sha256_of_id_timestamp_and_body_in_base64() -> None:
    secret = "whsec_" + base64.b64encode(b"k" * 32).decode()
    expected = hmac.new(b"k" * 32, b"evt_m1_message.sent.1764509400." + BODY, hashlib.sha256)
    signature = sign(secret, "evt_m1_message.sent", 1764509400, BODY)
    assert signature == "v1," + base64.b64encode(expected.digest()).decode()


def test_the_reference_library_verifies_what_we_sign_and_we_verify_what_it_signs() -> None:
    secret, now = new_secret(), int(time.time())
    headers = {
        "webhook-id": "evt_m1_message.sent",
        "webhook-timestamp": str(now),
        "webhook-signature": sign(secret, "evt_m1_message.sent", now, BODY),
    }
    Webhook(secret).verify(BODY, headers)
    verify(secret, headers, BODY, now=now)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(BODY, headers)
    with pytest.raises(SignatureError, match="no signature"):
        verify(new_secret(), headers, BODY, now=now)
    with pytest.raises(SignatureError, match="5 minutes"):
        verify(secret, headers, BODY, now=now + 301)


@pytest.mark.parametrize("secret", ["k" * 40, "whsec_not base64!", "whsec_" + "a" * 8])
def test_a_secret_that_is_not_one_is_refused(secret: str) -> None:
    with pytest.raises(ValueError):
        key_of(secret)


async def test_during_a_rotation_both_secrets_sign_each_delivery(api: HttpApi) -> None:
    # Given a receiver that knows only the old secret, and one that knows only the new one
    old_side, new_side = await Subscriber().start(), await Subscriber().start()
    try:
        created = await subscribe(api, old_side, name="old-side")
        status, rotated = await api.call(
            "POST", f"/v1/subscriptions/{created['id']}/secrets", role=Role.ADMIN,
            json_body={"keep_old_for_s": 3600},
        )  # fmt: skip
        assert status == 201, rotated
        assert rotated["secret"] != created["secret"]
        assert [s["expires_at"] is None for s in rotated["secrets"]] == [False, True]
        new_side.secrets.append(rotated["secret"])
        # When messages are sent while both are in force, to one receiver and then the other
        async with delivering(api):
            await api.enqueue(idempotency_key="rotating")
            await until(lambda: _got(old_side))
            status, _ = await api.call(
                "PATCH", f"/v1/subscriptions/{created['id']}", role=Role.ADMIN,
                json_body={"url": new_side.url},
            )  # fmt: skip
            assert status == 200
            await api.enqueue(idempotency_key="rotating-2", debtor_ref="D-2")
            await until(lambda: _got(new_side))
        # Then each side verified the deliveries with the one secret it knows
        assert old_side.refused == new_side.refused == 0
        received = [*old_side.received, *new_side.received]
        assert all(len(r.signature.split(" ")) == 2 for r in received)
    finally:
        await old_side.close()
        await new_side.close()


async def _got(subscriber: Subscriber) -> bool:
    return bool(subscriber.received)


def test_the_readmes_verification_snippet_verifies_our_signatures() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Verifying a webhook (Python)", 1)[1]
    snippet = section.split("```python\n", 1)[1].split("```", 1)[0]
    scope: dict[str, Any] = {}
    exec(snippet, scope)  # the code a receiver copies
    secret, now = new_secret(), int(time.time())
    headers = {
        "webhook-id": "evt_h7_hold.set",
        "webhook-timestamp": str(now),
        "webhook-signature": f"{sign(new_secret(), 'evt_h7_hold.set', now, BODY)} "
        f"{sign(secret, 'evt_h7_hold.set', now, BODY)}",  # during a rotation: two
    }
    scope["verify"](secret, headers, BODY)
    with pytest.raises(ValueError):
        scope["verify"](new_secret(), headers, BODY)
