"""The bodies declared once (dispatcher/api/models): what comes of each declaration.

Validation names every bad field (with its item's index in a batch), the OpenAPI
document takes its schemas from the models and from nowhere else, and the Python
client takes the same body the HTTP API does.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from pydantic import ValidationError

from dispatcher.api.models import DECLARED, field_problems
from dispatcher.api.models.messages import BatchRequest, MessageRequest
from dispatcher.api.openapi import build
from dispatcher.enqueue import requests as enqueue
from tests.api.conftest import HttpApi, reminder

LETTER_TO = {"name": "Maria Q. Sample", "lines": ["1 Elm St"], "country": "US"}


def problems_of(body: dict[str, Any], model: Any = BatchRequest) -> list[tuple[Any, str, str]]:
    with pytest.raises(ValidationError) as refused:
        model.model_validate_json(json.dumps(body))
    batch = "messages" if model is BatchRequest else None
    return [(p.index, p.field, p.problem) for p in field_problems(refused.value, batch=batch)]


def test_a_batch_names_each_item_and_field_in_the_apis_words() -> None:
    letter = {**reminder(), "channel": "letter", "address": {**LETTER_TO, "floor": 3}}
    body = {"messages": [reminder(), {**reminder(), "channel": "fax", "sned_after": 1}, letter,
                         {**reminder(), "send_after": "2026-12-01T09:00:00"}, "x"]}  # fmt: skip

    found = problems_of(body)

    assert (1, "sned_after", "unknown field") in found
    assert any(i == 1 and f == "channel" and "'fax'" in p for i, f, p in found)
    assert (2, "address", "unknown field 'floor'") in found  # as the enqueue names it
    assert any(i == 3 and f == "send_after" and "UTC offset" in p for i, f, p in found)
    assert (4, "(item)", "must be an object, not a string") in found
    assert not any(i == 0 for i, _, _ in found)


def test_blank_too_long_and_mistyped_fields_are_named() -> None:
    body = {**reminder(), "debtor_ref": "   ", "template": "t" * 101, "variables": [1]}

    found = problems_of(body, MessageRequest)

    assert sorted(found) == [
        (None, "debtor_ref", "must not be empty"),
        (None, "template", "longer than 100 characters"),
        (None, "variables", "must be an object, not an array"),
    ]


def test_numbers_are_not_read_as_times_or_strings() -> None:
    found = problems_of({**reminder(), "send_after": 1764579600, "debtor_ref": 7}, MessageRequest)
    assert {f for _, f, _ in found} == {"send_after", "debtor_ref"}


def test_each_declared_body_is_in_the_document() -> None:
    schemas = build()["components"]["schemas"]
    for model in DECLARED:
        assert model.__name__ in schemas
    request = schemas["MessageRequest"]
    assert set(request["required"]) == {"channel", "template", "debtor_ref"}
    assert request["additionalProperties"] is False and request["examples"]


def test_the_python_request_has_every_field_of_the_http_body() -> None:
    # The enqueue's request is what the body becomes; a field the API takes and the
    # Python client cannot give (as campaign once was) fails here.
    python_fields = {f.name for f in dataclasses.fields(enqueue.MessageRequest)}
    assert set(MessageRequest.model_fields) <= python_fields


async def test_the_python_client_sends_the_same_body_the_api_takes(api: HttpApi) -> None:
    body = MessageRequest.model_validate_json(
        json.dumps(reminder(idempotency_key="py-1", campaign="nov-py"))
    )

    accepted = await api.stack.client.send(body)

    view = await api.stack.client.get(accepted.message_id)
    assert view.message["requested_by"] == "strategy#nov-py"
    assert view.message["idempotency_key"] == "py-1" and view.status == "queued"
