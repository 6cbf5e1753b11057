"""A message whose job keeps crashing is quarantined after a few tries, not retried forever."""

from __future__ import annotations

from typing import Any

import pytest

from dispatcher.domain import EventSource
from dispatcher.sending.crashes import JOB_CRASHED
from templates import TemplateCatalog
from tests.dispatcher.conftest import Stack
from tests.dispatcher.sweep.test_sweep import run_sweep


@pytest.fixture
def stack_options() -> dict[str, Any]:
    return {"sweep_grace_s": 0.0, "max_job_crashes": 3}


async def test_a_crashing_job_is_quarantined_after_three_crashes(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    poison = await stack.send(debtor_ref="D-POISON", idempotency_key="poison")
    healthy = await stack.send(idempotency_key="healthy")
    original = TemplateCatalog.render

    def render(self: TemplateCatalog, channel: str, name: str, locale: str, variables: Any) -> Any:
        if variables.get("debtor_name") == "Poison":
            raise RuntimeError("a bug only this message meets")
        return original(self, channel, name, locale, variables)

    variables = {**(await stack.log.get(poison)).variables, "debtor_name": "Poison"}
    await stack.log.note(poison, source=EventSource.API, detail={}, variables=variables)
    monkeypatch.setattr(TemplateCatalog, "render", render)

    # Each run crashes on it; the sweep (also run by the worker) enqueues it again.
    for _ in range(5):
        await stack.run_worker()
        if (await stack.view(poison)).status != "queued":
            break
        await run_sweep(stack)

    view = await stack.view(poison)
    assert view.status == "failed"
    assert view.message["error_code"] == JOB_CRASHED
    crashes = [e.detail["crashes"] for e in view.events if "job_crash" in e.detail]
    assert crashes == [1, 2, 3]
    assert "a bug only this message meets" in view.message["error_text"]
    assert (await stack.view(healthy)).status in {"sent", "delivered"}  # not held up
