"""A subscriber that keeps failing: retries with backoff until the window closes, then a
dead letter an admin sees among the deliveries, with its attempts, and replays."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from dispatcher.contactlog.keys import Role
from dispatcher.settings import Settings
from dispatcher.webhooks.deliveries import RetryPolicy
from tests.api.conftest import HttpApi
from tests.webhooks.subscriber import Subscriber
from tests.webhooks.test_delivery import FAST_RETRIES, delivering, subscribe, until


@pytest.fixture
def stack_options() -> dict[str, Any]:
    return {**FAST_RETRIES, "webhook_retry_for_s": 1.5}  # room for 3+ tries on a busy machine


@pytest.fixture
async def subscriber() -> Any:
    running = await Subscriber(answer=500).start()
    yield running
    await running.close()


async def test_a_failing_delivery_becomes_a_dead_letter_that_replays(
    api: HttpApi, subscriber: Subscriber
) -> None:
    # Given a subscription to queued messages whose receiver answers 500
    created = await subscribe(api, subscriber, event_types=["message.queued"])
    path = f"/v1/subscriptions/{created['id']}"

    async def dead() -> list[dict[str, Any]]:
        status, body = await api.call(
            "GET", f"{path}/deliveries", role=Role.ADMIN, params={"state": "dead"}
        )
        assert status == 200, body
        return list(body["items"])

    async with delivering(api):
        # When a message is queued and every attempt fails for the whole retry window
        await api.enqueue(idempotency_key="dead-letter")
        await until(lambda: _nonempty(dead()))
        [letter] = await dead()
        assert letter["type"] == "message.queued" and letter["last_status"] == 500
        assert letter["attempts"] >= 3
        status, attempts = await api.call("GET", f"{path}/attempts", role=Role.ADMIN)
        assert status == 200
        assert [a["attempt"] for a in attempts["items"]] == list(range(1, letter["attempts"] + 1))
        assert {a["status"] for a in attempts["items"]} == {500}
        # ... and then the receiver is fixed and an admin replays the dead letters
        subscriber.answer = 204
        assert subscriber.received == []
        status, body = await api.call("POST", f"{path}/replay", role=Role.ADMIN, json_body={})
        assert (status, body) == (200, {"replayed": 1})
        await until(lambda: _got(subscriber))
    # Then it was delivered once replayed, and is no longer a dead letter
    assert [r.webhook_id for r in subscriber.received] == [letter["event_id"]]
    assert await dead() == []
    status, shown = await api.call("GET", path, role=Role.ADMIN)
    assert shown["deliveries"] == {"pending": 0, "delivered": 1, "dead": 0}


async def _nonempty(items: Any) -> bool:
    return bool(await items)


async def _got(subscriber: Subscriber) -> bool:
    return bool(subscriber.received)


async def test_bad_subscriptions_are_refused_naming_the_field(api: HttpApi) -> None:
    body = {"name": "crm", "url": "ftp://x", "event_types": ["message.lost"], "secret": "abc"}
    status, problem = await api.call("POST", "/v1/subscriptions", role=Role.ADMIN, json_body=body)
    assert status == 422
    assert {(e["field"], e["code"]) for e in problem["errors"]} == {
        ("url", "webhook.url.invalid"), ("event_types[0]", "unknown_value"),
        ("secret", "webhook.secret.invalid"),
    }  # fmt: skip
    status, _ = await api.call("GET", "/v1/subscriptions", role=Role.STRATEGY)
    assert status == 403


async def test_a_subscriptions_problems_are_in_the_callers_language(api: HttpApi) -> None:
    headers = {"Authorization": f"Bearer {api.keys[Role.ADMIN]}", "Accept-Language": "zh-CN"}
    changes = {"url": "ftp://x", "active": "yes", "keep": 1}
    async with api.http.patch(
        api.base_url + "/v1/subscriptions/1", headers=headers, json=changes
    ) as answer:
        assert answer.status == 422
        problem = await answer.json(content_type=None)
    assert problem["errors"] == [
        {"field": "url", "code": "webhook.url.invalid",
         "problem": "应为 http:// 或 https:// 开头的 URL"},
        {"field": "active", "code": "wrong_type", "problem": "应为布尔值，而不是字符串"},
        {"field": "keep", "code": "unknown_field", "problem": "未知字段"},
    ]  # fmt: skip
    rotation = {"keep_old_for_s": 8 * 86_400}
    async with api.http.post(
        api.base_url + "/v1/subscriptions/1/secrets", headers=headers, json=rotation
    ) as answer:
        assert answer.status == 422
        problem = await answer.json(content_type=None)
    assert problem["errors"] == [
        {"field": "keep_old_for_s", "code": "at_most", "problem": "应不大于 604800"},
    ]  # fmt: skip


def test_by_default_a_delivery_is_retried_with_backoff_for_more_than_a_day() -> None:
    policy = RetryPolicy.of(Settings.from_env({}))
    attempts, since_first, waits = 1, timedelta(0), []
    while since_first + policy.delay(attempts) <= timedelta(seconds=policy.for_s):
        waits.append(policy.delay(attempts))
        since_first += waits[-1]
        attempts += 1
    assert waits[:4] == [timedelta(seconds=s) for s in (5, 10, 20, 40)]  # doubling
    assert max(waits) == timedelta(hours=1)
    assert since_first > timedelta(days=1)  # the last attempt, a day and more after the first
    print(f"{attempts} attempts over {since_first}")
