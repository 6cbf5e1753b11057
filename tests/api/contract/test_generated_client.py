"""A client generated independently from our OpenAPI document works against the live API.

``openapi-python-client`` builds a typed package from ``dispatcher/api/openapi.json`` alone
(no network, no post-hooks); the tests import it and round-trip through a running app: a
message enqueued and read back by id, and a 422 problem parsed with its field errors.
"""

from __future__ import annotations

import enum
import importlib
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from dispatcher.api.routes import OPENAPI_PATH
from dispatcher.contactlog.keys import Role
from tests.api.conftest import HttpApi, reminder
from tests.conftest import missing_service

PACKAGE = "dispatcher_generated_client"
# The generator runs ruff on its output by default; the package is only imported here.
CONFIG = "post_hooks: []\n"


def generator() -> str:
    beside_python = Path(sys.executable).with_name("openapi-python-client")
    found = str(beside_python) if beside_python.exists() else shutil.which("openapi-python-client")
    if found is None:
        missing_service("openapi-python-client")
    assert found is not None
    return found


class Generated:
    """The generated package, and what the generator printed while building it."""

    def __init__(self, root: Path, output: str) -> None:
        self.root = root
        self.output = output

    def module(self, name: str) -> ModuleType:
        return importlib.import_module(f"{PACKAGE}.{name}")

    def client(self, api: HttpApi, role: Role) -> Any:
        authenticated = self.module("client").AuthenticatedClient
        return authenticated(
            base_url=api.base_url, token=api.keys[role], raise_on_unexpected_status=True
        )


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Generated]:
    workdir = tmp_path_factory.mktemp("generated-client")
    config = workdir / "config.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    run = subprocess.run(
        [
            generator(), "generate", "--path", str(OPENAPI_PATH), "--meta", "none",
            "--output-path", str(workdir / PACKAGE), "--config", str(config),
        ],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    sys.path.insert(0, str(workdir))
    try:
        yield Generated(workdir / PACKAGE, output)
    finally:
        sys.path.remove(str(workdir))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def test_every_operation_is_generated_without_a_warning(generated: Generated) -> None:
    # The generator skips what it cannot model and says so ("Warning(s) encountered ...").
    assert "warning" not in generated.output.lower(), generated.output
    document = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    operations = {
        operation["operationId"]
        for item in document["paths"].values()
        for method, operation in item.items()
        if method in {"get", "put", "post", "delete", "patch"}
    }
    modules = {path.stem for path in (generated.root / "api").glob("*/*.py")}
    modules.discard("__init__")
    expected = {snake(name) for name in operations}
    assert expected == modules, (expected - modules, modules - expected)


def test_each_enum_is_one_class(generated: Generated) -> None:
    # An enum declared inline gets a class per field that uses it (and a null in it more
    # classes still); a named one is a single class that every field refers to.
    classes: dict[frozenset[str], list[str]] = {}
    for path in sorted((generated.root / "models").glob("*.py")):
        module = generated.module(f"models.{path.stem}")
        for name, value in vars(module).items():
            if (
                isinstance(value, type)
                and issubclass(value, enum.Enum)
                and value.__module__ == module.__name__
            ):
                classes.setdefault(frozenset(str(m.value) for m in value), []).append(name)
    twice = {", ".join(sorted(names)) for names in classes.values() if len(names) > 1}
    assert not twice, twice
    assert len(classes) >= 15  # the reading finds them: roles, channels, statuses, holds, ...
    models = generated.module("models")
    assert models.Message.__annotations__["channel"] in ("ChannelKind", models.ChannelKind)


def snake(operation_id: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in operation_id).lstrip("_")


async def test_a_message_is_enqueued_and_read_back(api: HttpApi, generated: Generated) -> None:
    models = generated.module("models")
    enqueue = generated.module("api.messages.enqueue_message")
    get_message = generated.module("api.messages.get_message")
    fields = reminder(debtor_ref="D-GEN-1", idempotency_key="generated-client-1")
    request = models.MessageRequest.from_dict(fields)
    assert isinstance(request.channel, models.ChannelKind)  # typed, not a bare dict

    async with generated.client(api, Role.STRATEGY) as client:
        sent = await enqueue.asyncio_detailed(client=client, body=request)
        assert sent.status_code == 202, sent.content
        accepted = sent.parsed
        assert isinstance(accepted, models.Accepted)
        assert accepted.created is True
        assert accepted.idempotency_key == "generated-client-1"
        assert accepted.status == models.MessageStatus.QUEUED

        again = await enqueue.asyncio(client=client, body=request)
        assert isinstance(again, models.Accepted)
        assert (again.id, again.created) == (accepted.id, False)

        read = await get_message.asyncio_detailed(accepted.id, client=client)
        assert read.status_code == 200, read.content
        message = read.parsed
        assert isinstance(message, models.Message)
        assert message.id == accepted.id
        assert (message.debtor_ref, message.account_ref) == ("D-GEN-1", fields["account_ref"])
        assert (message.channel, message.template_name) == ("sms", fields["template"])
        assert message.status == accepted.status
        assert message.scheduled_for == accepted.scheduled_for
        assert message.scheduled_for.tzinfo is not None  # parsed to an aware datetime
        assert all(isinstance(event, models.MessageEvent) for event in message.events)

        unknown = await get_message.asyncio_detailed("0" * 26, client=client)
        assert unknown.status_code == 404
        assert isinstance(unknown.parsed, models.Problem)
        assert unknown.parsed.status == 404


async def test_a_bad_body_is_a_typed_problem(api: HttpApi, generated: Generated) -> None:
    models = generated.module("models")
    enqueue = generated.module("api.messages.enqueue_message")
    request = models.MessageRequest.from_dict(reminder(destination="12"))

    async with generated.client(api, Role.STRATEGY) as client:
        refused = await enqueue.asyncio_detailed(client=client, body=request)
    assert refused.status_code == 422, refused.content
    problem = refused.parsed
    assert isinstance(problem, models.Problem)
    assert problem.status == 422
    assert problem.type_.endswith("/invalid-request")
    assert isinstance(problem.errors, list) and problem.errors
    assert all(isinstance(error, models.FieldError) for error in problem.errors)
    assert [error.field for error in problem.errors] == ["destination"]
