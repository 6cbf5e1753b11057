"""What the strategy module asks for, and how a request becomes a contact-log row.

Validation happens here, before anything is written: a bad phone number, an unknown
template or locale, a missing variable or a message too long is refused with the field
and the problem, and nothing is enqueued. Given what the contact log knows
(``dispatcher.enqueue.early_refusal``), so is what the gate would certainly refuse (no rule pack
for the debtor, an unknown or uncredentialed collector), and a request that names no
locale is rendered in the debtor's preferred language.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from dispatcher.debtors.addresses import address_key, checked_address
from dispatcher.debtors.phones import e164_and_country
from dispatcher.domain import PHONE_CHANNELS, ChannelKind, MessageStatus
from dispatcher.enqueue.early_refusal import EnqueueFacts, early_problems
from dispatcher.enqueue.template_problems import render_problem, unknown_template_problem
from dispatcher.errors import FieldProblem, InvalidBatch, InvalidRequest
from dispatcher.ids import new_message_id
from templates import TemplateCatalog, TemplateRenderError, UnknownTemplate

__all__ = ["MessageRequest", "validate_batch"]

MAX_KEY_LENGTH = 200
MAX_REF_LENGTH = 100
_CHANNELS = frozenset(ChannelKind)
# Values that come back from a JSON round trip as they went in (exact types: not subclasses).
_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})


# A campaign's name, as it follows the requester in ``requested_by`` ("strategy#nov-run").
CAMPAIGN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,49}")
CAMPAIGN_HINT = "1-50 letters, digits, '.', '_' or '-'"


@dataclass(frozen=True)
class MessageRequest:
    """One message the strategy module wants sent."""

    channel: str
    template: str
    destination: str
    debtor_ref: str
    # The template's language; None: the debtor's preferred language (else their record's).
    locale: str | None = field(default=None, kw_only=True)
    variables: Mapping[str, Any] = field(default_factory=dict)
    account_ref: str | None = None
    idempotency_key: str | None = None  # same key, same message: a retry never sends twice
    send_after: datetime | None = None  # aware datetime; default: now
    valid_until: datetime | None = None  # not sent after this; default: send_after + validity
    requested_by: str = "strategy"
    # What a campaign pause or cancel matches: 1-50 letters, digits, '.', '_' or '-'.
    campaign: str | None = None
    # Voice: the collector whose phone rings first and is bridged to the debtor (None: an
    # automated voice reminder). Visits: two or more collectors in ``collector_ids``.
    collector_id: str | None = None
    collector_ids: Sequence[str] = ()
    # Letters and visits: {"name", "lines": [...], "postal_code"?, "country"} (destination "").
    address: Mapping[str, Any] | None = None


def validate_batch(
    requests: Sequence[MessageRequest],
    *,
    catalog: TemplateCatalog,
    now: datetime,
    max_sms_segments: int,
    validity: timedelta,
    facts: EnqueueFacts | None = None,
) -> list[dict[str, Any]]:
    """Contact-log rows for every request, or InvalidBatch listing every problem found.
    ``facts``: what the contact log knows (``early_refusal.enqueue_facts``); without them
    a request must name its locale, and only the request itself is checked."""
    rows, problems = [], []
    for index, request in enumerate(requests):
        try:
            rows.append(_row(request, catalog, now, max_sms_segments, validity, facts))
        except InvalidRequest as exc:
            problems += [
                FieldProblem(p.field, p.problem, index, p.code, p.params) for p in exc.problems
            ]
    if problems:
        if len(requests) == 1:
            raise InvalidRequest(
                [FieldProblem(p.field, p.problem, None, p.code, p.params) for p in problems]
            )
        raise InvalidBatch(problems)
    seen: set[str] = set()
    for index, row in enumerate(rows):
        if row["idempotency_key"] in seen:
            problems.append(
                FieldProblem(
                    "idempotency_key",
                    "repeated within the batch",
                    index,
                    code="enqueue.idempotency_key.repeated",
                )
            )
        seen.add(row["idempotency_key"])
    if problems:
        raise InvalidBatch(problems)
    return rows


def _row(
    request: MessageRequest,
    catalog: TemplateCatalog,
    now: datetime,
    max_sms_segments: int,
    validity: timedelta,
    facts: EnqueueFacts | None = None,
) -> dict[str, Any]:
    problems: list[FieldProblem] = []
    locale = request.locale or (facts.locale_of(request.debtor_ref) if facts else None) or ""
    if not locale:
        problems.append(
            FieldProblem(
                "locale",
                "is required: the debtor has no preferred language on record",
                code="enqueue.locale.not_on_record",
            )
        )

    def check(
        ok: bool, field_name: str, problem: str, code: str, **params: object
    ) -> bool:  # the code and params as FieldProblem takes them
        if not ok:
            problems.append(FieldProblem(field_name, problem, code=code, params=params))
        return ok

    if request.campaign is not None and not CAMPAIGN.fullmatch(request.campaign):
        problems.append(
            FieldProblem("campaign", f"must be {CAMPAIGN_HINT}", code="enqueue.campaign.pattern")
        )
    channel_ok = request.channel in _CHANNELS
    if not channel_ok:
        known = ", ".join(ChannelKind)
        check(
            False,
            "channel",
            f"unknown channel {request.channel!r}; known: {known}",
            code="enqueue.channel.unknown",
            channel=repr(request.channel),
            known=known,
        )
    check(bool(request.debtor_ref.strip()), "debtor_ref", "must not be empty", code="empty")
    check(
        len(request.debtor_ref) <= MAX_REF_LENGTH,
        "debtor_ref",
        "longer than 100 characters",
        code="too_long",
        max_length=MAX_REF_LENGTH,
    )
    if request.account_ref is not None:
        check(
            len(request.account_ref) <= MAX_REF_LENGTH,
            "account_ref",
            "longer than 100 chars",
            code="too_long",
            max_length=MAX_REF_LENGTH,
        )
    if request.idempotency_key is not None:
        check(bool(request.idempotency_key), "idempotency_key", "must not be empty", code="empty")
        check(
            len(request.idempotency_key) <= MAX_KEY_LENGTH,
            "idempotency_key",
            "too long",
            code="enqueue.idempotency_key.too_long",
        )
    scheduled_for = now
    if request.send_after is not None:
        if check(
            request.send_after.tzinfo is not None,
            "send_after",
            "needs a time zone",
            code="needs_zone",
        ):
            scheduled_for = max(request.send_after, now)
    valid_until = scheduled_for + validity
    if request.valid_until is not None:
        if check(
            request.valid_until.tzinfo is not None,
            "valid_until",
            "needs a time zone",
            code="needs_zone",
        ):
            valid_until = request.valid_until
            check(
                valid_until > scheduled_for,
                "valid_until",
                "is not after the time to send",
                code="enqueue.valid_until.not_after_send",
            )
    destination, address, country = request.destination, None, ""
    if request.channel in PHONE_CHANNELS:
        try:
            destination, country = e164_and_country(request.destination, locale)
        except InvalidRequest as exc:
            problems += exc.problems
    elif channel_ok:
        try:
            address = checked_address(request.address)
            destination, country = address_key(address), address["country"]
        except InvalidRequest as exc:
            problems += exc.problems
    collectors = _collectors(request, problems) if channel_ok else []
    visit_at = None
    if request.channel == ChannelKind.VISIT:
        visit_at = _check_visit_at(request.variables.get("visit_at"), now, problems)
    if facts is not None and channel_ok:
        latest = max(valid_until, visit_at or valid_until)
        problems += early_problems(request, country, facts, latest=latest)
    variables = _jsonable(request.variables, problems)
    if request.channel == ChannelKind.LETTER and address and variables is not None:
        # The letter's recipient block is the address it is posted to, unless given apart.
        variables.setdefault("consumer_name", address["name"])
        postal = [address["postal_code"]] if address.get("postal_code") else []
        variables.setdefault("consumer_address_lines", [*address["lines"], *postal])

    version, segments = "", None
    if channel_ok and variables is not None and locale:
        try:
            rendered = catalog.render(request.channel, request.template, locale, variables)
            version, segments = rendered.version, rendered.segments
            if not catalog.approvals.find(request.channel, request.template, locale, version):
                label = f"{request.channel}/{locale}/{request.template}"
                problem = f"{label} version {version} is not approved by compliance"
                problems.append(
                    FieldProblem(
                        "template",
                        problem,
                        code="enqueue.template.not_approved",
                        params={"label": label, "version": version},
                    )
                )
        except UnknownTemplate as exc:
            problems.append(unknown_template_problem("template", exc))
        except TemplateRenderError as exc:
            where = f"variables.{exc.variable}" if exc.variable else "variables"
            problems.append(render_problem(where, exc))
        if segments is not None and segments.segments > max_sms_segments:
            problems.append(
                FieldProblem(
                    "variables",
                    f"the rendered text needs {segments.segments} SMS segments "
                    f"({segments.encoding}, {segments.units} characters); "
                    f"the limit is {max_sms_segments}",
                    code="enqueue.variables.too_many_segments",
                    params={
                        "segments": segments.segments,
                        "encoding": segments.encoding,
                        "units": segments.units,
                        "limit": max_sms_segments,
                    },
                )
            )
    if problems:
        raise InvalidRequest(problems)

    message_id = new_message_id(int(now.timestamp() * 1000))
    return {
        "id": message_id,
        "idempotency_key": request.idempotency_key or message_id,
        "request_fingerprint": fingerprint(request),
        "debtor_ref": request.debtor_ref,
        "account_ref": request.account_ref,
        "channel": request.channel,
        "template_name": request.template,
        "template_version": version,
        "locale": locale,
        "variables": variables,
        "destination": destination,
        "requested_by": request.requested_by + (f"#{request.campaign}" if request.campaign else ""),
        "created_at": now,
        "scheduled_for": scheduled_for,
        "valid_until": valid_until,
        "updated_at": now,
        "status": MessageStatus.QUEUED,
        "attempts": 0,
        "collector_id": collectors[0] if collectors else None,
        "collector_ids": collectors or None,
        "address": address,
    }


def fingerprint(request: MessageRequest) -> str:
    """A hash of everything the request asks for but its idempotency key: the same key
    with the same request is a retry; with another request it is a mistake to refuse."""
    asked = {f.name: getattr(request, f.name) for f in fields(request)}
    del asked["idempotency_key"]
    canonical = json.dumps(asked, sort_keys=True, separators=(",", ":"), default=_canonical)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, Sequence | Set) and not isinstance(value, str):
        return list(value)
    return str(value)  # Decimal and the like: their exact text


def _check_visit_at(raw: Any, now: datetime, problems: list[FieldProblem]) -> datetime | None:
    """A visit's time: ``variables.visit_at``, an aware ISO 8601 time in the future."""
    try:
        at = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))
    except ValueError:
        problems.append(
            FieldProblem(
                "variables.visit_at",
                "needs an ISO 8601 date and time",
                code="enqueue.visit_at.not_a_time",
            )
        )
        return None
    if at.tzinfo is None:
        problems.append(FieldProblem("variables.visit_at", "needs a time zone", code="needs_zone"))
        return None
    if at <= now:
        problems.append(
            FieldProblem("variables.visit_at", "is not in the future", code="not_future")
        )
    return at


def _collectors(request: MessageRequest, problems: list[FieldProblem]) -> list[str]:
    """The collectors named on a call (one, optional) or a visit (two or more, distinct)."""
    if request.channel == ChannelKind.VISIT:
        named = list(dict.fromkeys(request.collector_ids))
        if request.collector_id and request.collector_id not in named:
            named.insert(0, request.collector_id)
        if len(named) < 2:
            problems.append(
                FieldProblem(
                    "collector_ids",
                    "a visit needs two or more different collectors",
                    code="enqueue.collector_ids.too_few",
                )
            )
        return named
    if request.collector_ids:
        problems.append(
            FieldProblem(
                "collector_ids",
                "only visits take several collectors",
                code="enqueue.collector_ids.not_a_visit",
            )
        )
    if request.collector_id is not None and request.channel != ChannelKind.VOICE:
        problems.append(
            FieldProblem(
                "collector_id",
                "only calls and visits take a collector",
                code="enqueue.collector_id.not_taken",
            )
        )
    return [request.collector_id] if request.collector_id else []


def _jsonable(variables: Mapping[str, Any], problems: list[FieldProblem]) -> dict[str, Any] | None:
    """Variables as they are stored: dates as ISO strings, decimals as strings."""

    def convert(value: Any) -> Any:
        if isinstance(value, datetime | date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return str(value)
        raise TypeError(f"{type(value).__name__} cannot be stored")

    if all(type(k) is str and type(v) in _JSON_SCALARS for k, v in variables.items()):
        return dict(variables)  # what the round trip below would return, for far less
    try:
        return dict(json.loads(json.dumps(dict(variables), default=convert)))
    except (TypeError, ValueError) as exc:
        problems.append(
            FieldProblem(
                "variables",
                str(exc),
                code="enqueue.variables.not_storable",
                params={"message": str(exc)},
            )
        )
        return None
