"""`dispatcher compliance explain`: what the gate would decide, without sending anything.

For a stored message: render it again and evaluate every rule at a given time. For a
debtor, destination and channel: evaluate the contact rules (holds, hours, caps) that do
not depend on a message's content.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from compliance import ComplianceGate, Verdict
from dispatcher.contactlog.models import Message
from dispatcher.contactlog.store import ContactLog
from dispatcher.pipeline import RenderOutcome, render_message, subject_for
from templates import TemplateCatalog

__all__ = ["explain"]


async def explain(
    log: ContactLog,
    catalog: TemplateCatalog,
    gate: ComplianceGate,
    *,
    at: datetime,
    message_id: str | None = None,
    debtor_ref: str | None = None,
    destination: str | None = None,
    channel: str = "sms",
    account_ref: str | None = None,
) -> Verdict:
    if message_id is not None:
        message = await log.get(message_id)
        render = render_message(catalog, message)
    else:
        if not debtor_ref or not destination:
            raise ValueError("give a message id, or a debtor and a destination")
        message = _contact(debtor_ref, destination, channel, account_ref, at)
        render = RenderOutcome(None, None)
        gate = ComplianceGate([r for r in gate.rules if not getattr(r, "checks_content", False)])
    async with log.debtor_session(message.debtor_ref) as session:
        return await gate.evaluate(subject_for(message, render, session, session.debtor, now=at))


def _contact(
    debtor_ref: str, destination: str, channel: str, account_ref: str | None, at: datetime
) -> Message:
    """A would-be message with no content, only for the contact rules to look at."""
    fields: dict[str, Any] = {
        "id": "(explain)", "idempotency_key": "(explain)", "debtor_ref": debtor_ref,
        "account_ref": account_ref, "channel": channel, "template_name": "",
        "template_version": "", "locale": "", "variables": {}, "destination": destination,
        "requested_by": "explain", "created_at": at, "scheduled_for": at, "valid_until": at,
        "updated_at": at, "status": "queued", "attempts": 0,
    }  # fmt: skip
    return Message(**fields)
