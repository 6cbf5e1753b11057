"""The OpenAPI document is current, served, and true: schemathesis against the running server.

Every operation gets positive and negative generated requests, each sent without a key
and with every role's key. Checks: no 5xx; status codes, content types, headers and
bodies as documented; schema-invalid requests refused.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from dispatcher.api.openapi import render
from dispatcher.api.routes import OPENAPI_PATH
from dispatcher.contactlog.keys import Role
from dispatcher.process.deps import Deps
from dispatcher.web import create_app
from tests.api.conftest import HttpApi

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
# A schema-invalid request may also be refused for being too large (a batch past 10,000).
# The Authorization header is ours to set (each role's key, or none): schemathesis is not
# to generate or negate it, which would make a valid request look like a negative one.
CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"with-security-parameters": False},
        "checks": {
            "negative_data_rejection": {
                "expected-statuses": ["400", "401", "403", "404", "405", "409", "413", "415", "422"]
            }
        },
    }
)
EXAMPLES = 25  # per operation and generation mode; each example is sent with 5 keys
# Revoking a real key would lock the fuzzer out: only schema-invalid ids are sent there.
NEGATIVE_ONLY = {"DELETE /v1/keys/{key_id}"}


@pytest.fixture
def stack_options() -> dict[str, Any]:
    return {"events_max_wait_s": 0.05}  # GET /v1/events' long-poll: not to hold the fuzzer


async def test_each_operation_documents_the_roles_its_handler_allows(api: HttpApi) -> None:
    document = json.loads(render())
    deps = Deps.build(api.stack.settings, redis=api.stack.client.redis, channels={})
    checked = 0
    for route in create_app(deps).router.routes():
        allowed = getattr(route.handler, "allowed_roles", None)
        if allowed is None or route.method == "HEAD":
            continue
        operation = document["paths"][route.resource.canonical][route.method.lower()]
        roles = operation["description"].removeprefix("Roles: ").removesuffix(".").split(", ")
        assert set(roles) == {str(r) for r in allowed}, route.resource.canonical
        assert {"401", "403"} <= set(operation["responses"])
        checked += 1
    await deps.log.engine.dispose()
    documented = [
        op for item in document["paths"].values() for op in item.values()
        if op.get("description", "").startswith("Roles: ")
    ]  # fmt: skip
    assert checked == len(documented)  # and no documented operation without its handler


def test_the_committed_document_is_what_the_code_describes() -> None:
    assert OPENAPI_PATH.read_text(encoding="utf-8") == render(), (
        "regenerate it: python -m dispatcher.api.openapi > dispatcher/api/openapi.json"
    )


async def test_the_document_is_served(api: HttpApi) -> None:
    status, document = await api.call("GET", "/openapi.json")
    assert status == 200
    assert document == json.loads(render())
    assert document["openapi"].startswith("3.1")


async def test_schemathesis_finds_nothing_with_any_role(api: HttpApi) -> None:
    document = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    keys = [None, *(api.keys[role] for role in Role)]
    started = time.monotonic()
    failures, calls = await asyncio.to_thread(fuzz, document, api.base_url, keys)
    took = time.monotonic() - started
    print(f"schemathesis: {calls} requests in {took:.1f} s")
    assert not failures, "\n\n".join(failures)
    assert calls > 1000  # how long it took is printed, not asserted: speed is for benchmarks


def fuzz(document: dict[str, Any], base_url: str, keys: list[str | None]) -> tuple[list[str], int]:
    schema = schemathesis.openapi.from_dict(document, config=CONFIG)
    failures: list[str] = []
    calls = 0
    with requests.Session() as session:
        for result in schema.get_all_operations():
            operation = result.ok()
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                if operation.label in NEGATIVE_ONLY and mode is GenerationMode.POSITIVE:
                    continue

                @settings(
                    max_examples=EXAMPLES,
                    deadline=None,
                    database=None,
                    derandomize=True,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=list(HealthCheck),
                )
                @given(case=operation.as_strategy(generation_mode=mode))
                def send(case: schemathesis.Case) -> None:
                    nonlocal calls
                    for key in keys:
                        headers = {"Authorization": f"Bearer {key}"} if key else {}
                        response = case.call(base_url=base_url, session=session, headers=headers)
                        calls += 1
                        case.validate_response(response, checks=CHECKS, headers=headers)

                try:
                    send()
                except Unsatisfiable:  # nothing to make invalid: no parameters, no body
                    assert mode is GenerationMode.NEGATIVE
                except Exception as exc:  # report every operation's failure, not only the first
                    failures.append(f"{operation.label} ({mode}): {str(exc)[:3000]}")
    return failures, calls
