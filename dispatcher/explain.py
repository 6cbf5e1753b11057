"""`dispatcher compliance explain`: what the gate would decide, without sending anything.

For a stored message: render it again and evaluate every rule at a given time, exactly
as the worker does (``Pipeline.run``): the message read under the debtor's lock, the
collectors on it read from the registry in the same session, the subject built by the
pipeline's own ``subject_for``, and the approvals given over the API merged in first.
For a debtor, destination and channel: evaluate the contact rules (holds, hours, caps)
that do not depend on a message's content.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from compliance import CheckSubject, ComplianceGate, Verdict
from dispatcher.contactlog.approvals import TemplateApprovals
from dispatcher.contactlog.collectors import collector_facts
from dispatcher.contactlog.models import Message
from dispatcher.contactlog.session import DebtorSession
from dispatcher.contactlog.store import ContactLog
from dispatcher.sending.pipeline import RenderOutcome, render_message, subject_for
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
    approvals: TemplateApprovals | None = None,
) -> Verdict:
    """The gate's verdict at ``at``. ``gate`` and ``approvals`` must share ``catalog`` (as
    the worker's ``Deps`` do), so the template's approval reads as the worker reads it."""
    if message_id is not None:
        if approvals is not None:
            await approvals.refresh(force=True)
        stored = await log.get(message_id)
        render = render_message(catalog, stored)
        async with log.debtor_session(stored.debtor_ref, message_id=message_id) as session:
            message = await session.message(message_id) or stored
            subject = await _subject(session, message, render, at)
            return await gate.evaluate(subject)
    if not debtor_ref or not destination:
        raise ValueError("give a message id, or a debtor and a destination")
    contact = _contact(debtor_ref, destination, channel, account_ref, at)
    gate = ComplianceGate([r for r in gate.rules if not getattr(r, "checks_content", False)])
    async with log.debtor_session(debtor_ref) as session:
        return await gate.evaluate(await _subject(session, contact, RenderOutcome(None, None), at))


async def _subject(
    session: DebtorSession, message: Message, render: RenderOutcome, at: datetime
) -> CheckSubject:
    """The subject as ``Pipeline.run`` builds it: the collectors on the message included."""
    collectors = await session.collectors(message.collector_ids or ())
    return subject_for(
        message, render, session, session.debtor, now=at, collectors=collector_facts(collectors)
    )


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
