"""The message as the compliance rules see it: its rendering, and the subject the gate checks.

Built from the message and the debtor's record read under the debtor's lock; shared by
the worker's pipeline and ``dispatcher explain`` (which must decide the same way).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from compliance import CheckSubject, CollectorFact, ContactFacts, RenderProblem
from compliance.applicable import applicable_packs
from compliance.hours.zones import UnknownLocation
from compliance.packs import PackError
from dispatcher.calls_and_visits.visit_minutes import planned_minutes
from dispatcher.contactlog.models import Debtor, Message
from dispatcher.debtors.contact_data import subject_fields
from dispatcher.enqueue.template_problems import render_problem, unknown_template_problem
from dispatcher.sending.outgoing import visit_time
from templates import (
    Rendered,
    TemplateCatalog,
    TemplateError,
    TemplateRenderError,
    UnknownTemplate,
)

__all__ = ["RenderOutcome", "render_message", "subject_for"]


@dataclass(frozen=True)
class RenderOutcome:
    rendered: Rendered | None
    error: str | None  # English
    problem: RenderProblem | None = None  # the error by its code, when it has one


def render_message(catalog: TemplateCatalog, message: Message) -> RenderOutcome:
    try:
        rendered = catalog.render(
            message.channel, message.template_name, message.locale, message.variables
        )
    except TemplateError as exc:
        return RenderOutcome(None, str(exc), _coded(exc))
    return RenderOutcome(rendered, None)


def _coded(error: TemplateError) -> RenderProblem | None:
    """The error by the code the enqueue names it with (``template.missing_variable``,
    ``template.unknown_locale``), so a verdict's reason reads in the reader's language;
    None for an error the engine words only in English."""
    if isinstance(error, UnknownTemplate):
        problem = unknown_template_problem("template", error)
    elif isinstance(error, TemplateRenderError) and error.code is not None:
        problem = render_problem("variables", error)
    else:
        return None
    assert problem.code is not None
    return RenderProblem(
        problem.code, tuple((k, str(v)) for k, v in (problem.params or {}).items())
    )


def subject_for(
    message: Message,
    render: RenderOutcome,
    facts: ContactFacts,
    debtor: Debtor | None,
    *,
    now: datetime,
    collectors: tuple[CollectorFact, ...] = (),
) -> CheckSubject:
    """The message as the compliance rules see it."""
    rendered = render.rendered
    return CheckSubject(
        message_id=message.id,
        channel=message.channel,
        debtor_ref=message.debtor_ref,
        account_ref=message.account_ref,
        destination=message.destination,
        locale=message.locale,
        template_name=message.template_name,
        requested_by=message.requested_by,
        template_version=rendered.version if rendered else None,
        body=rendered.body if rendered else None,
        render_error=render.error,
        render_problem=render.problem,
        segments=rendered.segments.segments if rendered and rendered.segments else None,
        now=now,
        facts=facts,
        debtor_time_zone=debtor.time_zone if debtor else None,
        packs=_packs(message, debtor),
        agreed_until=debtor.agreed_contact_until if debtor else None,
        inconvenient_times=_inconvenient(debtor.inconvenient_times if debtor else None),
        preferred_channel=debtor.preferred_channel if debtor else None,
        preferred_locale=debtor.preferred_locale if debtor else None,
        collector_ids=tuple(message.collector_ids or ()),
        collectors=collectors,
        address_country=(message.address or {}).get("country"),
        contact_at=visit_time(message),
        contact_minutes=planned_minutes(message),  # a visit is checked for its whole length
        **(subject_fields(debtor.phones, debtor.address, message.destination) if debtor else {}),
    )


def _inconvenient(
    stored: list[dict[str, Any]] | None,
) -> tuple[tuple[frozenset[int], time, time], ...]:
    return tuple(
        (frozenset(t["weekdays"]), time.fromisoformat(t["start"]), time.fromisoformat(t["end"]))
        for t in stored or ()
    )


def _packs(message: Message, debtor: Debtor | None) -> tuple[str, ...]:
    """The debtor's rule packs; none if they cannot be told (the rules then block).

    Country and region: the debtor's record, else their home address (a Massachusetts
    address brings us-ma), else the destination's country."""
    home = (debtor.address if debtor else None) or {}
    try:
        return applicable_packs(
            destination=message.destination,
            recorded=debtor.packs if debtor else None,
            country=(debtor.country if debtor else None) or home.get("country"),
            region=(debtor.region if debtor else None) or home.get("region"),
        )
    except (PackError, UnknownLocation):
        return ()
