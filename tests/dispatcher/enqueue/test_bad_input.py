"""Bad input is refused with the field and the problem, and nothing is written or queued."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from dispatcher.contactlog.models import Message, MessageEvent
from dispatcher.errors import InvalidBatch, InvalidRequest
from tests.dispatcher.conftest import Stack, reminder

VARIABLES = reminder().variables
A_NUMBER_AS_A_NAME: dict[object, object] = {**VARIABLES, 3: "x"}  # a Python caller's mistake


async def nothing_written(stack: Stack) -> None:
    async with stack.log.engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(Message))).scalar() == 0
        assert (await conn.execute(select(func.count()).select_from(MessageEvent))).scalar() == 0
    assert await stack.client.queue.depth() == 0


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"destination": "12345"}, "destination", "not a valid phone number"),
        ({"destination": "call me maybe"}, "destination", "not a phone number"),
        ({"template": "final_warning"}, "template", "final_warning"),
        ({"locale": "fr-FR"}, "template", "fr-FR"),
        ({"channel": "fax"}, "channel", "unknown channel"),
        ({"variables": {k: v for k, v in VARIABLES.items() if k != "amount"}},
         "variables.amount", "amount"),
        ({"variables": {**VARIABLES, "debtor_name": "X" * 1200}}, "variables", "SMS segments"),
        ({"debtor_ref": " "}, "debtor_ref", "empty"),
        ({"variables": {**VARIABLES, "amount": object()}}, "variables", "cannot be stored"),
        ({"variables": A_NUMBER_AS_A_NAME}, "variables", "names must be text, not 3"),
    ],
)
async def test_bad_input_names_the_field_and_writes_nothing(
    stack: Stack, overrides: dict[str, object], field: str, words: str
) -> None:
    with pytest.raises(InvalidRequest) as refused:
        await stack.client.send(reminder(**overrides))

    problems = refused.value.problems
    assert any(p.field == field and words in p.problem for p in problems), problems
    await nothing_written(stack)


async def test_one_bad_item_refuses_the_whole_batch_and_lists_every_problem(stack: Stack) -> None:
    batch = [reminder(idempotency_key=f"k-{i}") for i in range(10)]
    batch[3] = reminder(idempotency_key="k-3", destination="000")
    batch[7] = reminder(idempotency_key="k-7", template="nope")

    with pytest.raises(InvalidBatch) as refused:
        await stack.client.send_many(batch)

    assert {(p.index, p.field) for p in refused.value.problems} == {
        (3, "destination"),
        (7, "template"),
    }
    await nothing_written(stack)


async def test_a_key_repeated_within_a_batch_is_refused(stack: Stack) -> None:
    with pytest.raises(InvalidBatch) as refused:
        await stack.client.send_many([reminder(idempotency_key="same")] * 2)
    assert [(p.index, p.field) for p in refused.value.problems] == [(1, "idempotency_key")]
    await nothing_written(stack)
