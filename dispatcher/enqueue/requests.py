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

from dispatcher.domain import ChannelKind, MessageStatus
from dispatcher.enqueue.channel_parts import ChannelParts, add_recipient_block, channel_parts
from dispatcher.enqueue.early_refusal import EnqueueFacts, early_problems
from dispatcher.enqueue.template_problems import render_problem, unknown_template_problem
from dispatcher.errors import FieldProblem, InvalidBatch, InvalidRequest
from dispatcher.ids import new_message_id
from templates import SmsSegments, TemplateCatalog, TemplateRenderError, UnknownTemplate

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
    """The contact-log row for one request, or InvalidRequest with every problem found.
    Later checks run even when earlier ones fail, on what could be read."""
    problems: list[FieldProblem] = []
    locale = _locale(request, facts, problems)
    _check_campaign(request.campaign, problems)
    channel_ok = _check_channel(request.channel, problems)
    _check_refs(request, problems)
    scheduled_for, valid_until = _schedule(request, now, validity, problems)
    parts = channel_parts(request, locale, channel_ok, now, problems)
    if facts is not None and channel_ok:
        latest = max(valid_until, parts.visit_at or valid_until)
        problems += early_problems(request, parts.country, facts, latest=latest)
    variables = _jsonable(request.variables, problems)
    add_recipient_block(request.channel, variables, parts.address)
    version = ""
    if channel_ok and variables is not None and locale:
        version = _rendered_version(request, catalog, locale, variables, max_sms_segments, problems)
    if problems:
        raise InvalidRequest(problems)
    return _queued_row(
        request,
        now,
        locale=locale,
        version=version,
        variables=variables,
        scheduled_for=scheduled_for,
        valid_until=valid_until,
        parts=parts,
    )


def _check(
    problems: list[FieldProblem], ok: bool, name: str, problem: str, code: str, **params: object
) -> bool:
    """``ok``, and when not, the problem added (the code and params as FieldProblem takes them)."""
    if not ok:
        problems.append(FieldProblem(name, problem, code=code, params=params))
    return ok


def _locale(
    request: MessageRequest, facts: EnqueueFacts | None, problems: list[FieldProblem]
) -> str:
    """The locale asked for, else the debtor's language on record; "" when neither."""
    locale = request.locale or (facts.locale_of(request.debtor_ref) if facts else None) or ""
    if not locale:
        problems.append(
            FieldProblem(
                "locale",
                "is required: the debtor has no preferred language on record",
                code="enqueue.locale.not_on_record",
            )
        )
    return locale


def _check_campaign(campaign: str | None, problems: list[FieldProblem]) -> None:
    if campaign is not None and not CAMPAIGN.fullmatch(campaign):
        problems.append(
            FieldProblem("campaign", f"must be {CAMPAIGN_HINT}", code="enqueue.campaign.pattern")
        )


def _check_channel(channel: str, problems: list[FieldProblem]) -> bool:
    """Whether the channel is known: the checks of an unknown one's fields are skipped."""
    if channel in _CHANNELS:
        return True
    known = ", ".join(ChannelKind)
    problems.append(
        FieldProblem(
            "channel",
            f"unknown channel {channel!r}; known: {known}",
            code="enqueue.channel.unknown",
            params={"channel": repr(channel), "known": known},
        )
    )
    return False


def _check_refs(request: MessageRequest, problems: list[FieldProblem]) -> None:
    """The debtor and account references and the idempotency key: present, not too long."""
    debtor_ref = request.debtor_ref
    _check(problems, bool(debtor_ref.strip()), "debtor_ref", "must not be empty", code="empty")
    _check(
        problems,
        len(debtor_ref) <= MAX_REF_LENGTH,
        "debtor_ref",
        "longer than 100 characters",
        code="too_long",
        max_length=MAX_REF_LENGTH,
    )
    if request.account_ref is not None:
        _check(
            problems,
            len(request.account_ref) <= MAX_REF_LENGTH,
            "account_ref",
            "longer than 100 characters",
            code="too_long",
            max_length=MAX_REF_LENGTH,
        )
    key = request.idempotency_key
    if key is not None:
        _check(problems, bool(key), "idempotency_key", "must not be empty", code="empty")
        _check(
            problems,
            len(key) <= MAX_KEY_LENGTH,
            "idempotency_key",
            "too long",
            code="enqueue.idempotency_key.too_long",
        )


def _schedule(
    request: MessageRequest, now: datetime, validity: timedelta, problems: list[FieldProblem]
) -> tuple[datetime, datetime]:
    """When to send (never before now) and until when; a time without a zone is refused
    and the default taken in its place, so that the checks after it still run."""
    scheduled_for = now
    send_after = request.send_after
    if send_after is not None:
        if _check(
            problems,
            send_after.tzinfo is not None,
            "send_after",
            "needs a time zone",
            code="needs_zone",
        ):
            scheduled_for = max(send_after, now)
    valid_until = scheduled_for + validity
    if request.valid_until is not None:
        if _check(
            problems,
            request.valid_until.tzinfo is not None,
            "valid_until",
            "needs a time zone",
            code="needs_zone",
        ):
            valid_until = request.valid_until
            _check(
                problems,
                valid_until > scheduled_for,
                "valid_until",
                "is not after the time to send",
                code="enqueue.valid_until.not_after_send",
            )
    return scheduled_for, valid_until


def _rendered_version(
    request: MessageRequest,
    catalog: TemplateCatalog,
    locale: str,
    variables: Mapping[str, Any],
    max_sms_segments: int,
    problems: list[FieldProblem],
) -> str:
    """The version of the template the request renders with ("" when it does not); the
    template must exist, render with these variables, be approved and fit in an SMS."""
    version, segments = "", None
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
        problems.append(_too_many_segments(segments, max_sms_segments))
    return version


def _too_many_segments(segments: SmsSegments, limit: int) -> FieldProblem:
    return FieldProblem(
        "variables",
        f"the rendered text needs {segments.segments} SMS segments "
        f"({segments.encoding}, {segments.units} characters); "
        f"the limit is {limit}",
        code="enqueue.variables.too_many_segments",
        params={
            "segments": segments.segments,
            "encoding": segments.encoding,
            "units": segments.units,
            "limit": limit,
        },
    )


def _queued_row(
    request: MessageRequest,
    now: datetime,
    *,
    locale: str,
    version: str,
    variables: dict[str, Any] | None,
    scheduled_for: datetime,
    valid_until: datetime,
    parts: ChannelParts,
) -> dict[str, Any]:
    """The contact-log row of a request that passed every check."""
    message_id = new_message_id(int(now.timestamp() * 1000))
    collectors = parts.collectors
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
        "destination": parts.destination,
        "requested_by": request.requested_by + (f"#{request.campaign}" if request.campaign else ""),
        "created_at": now,
        "scheduled_for": scheduled_for,
        "valid_until": valid_until,
        "updated_at": now,
        "status": MessageStatus.QUEUED,
        "attempts": 0,
        "collector_id": collectors[0] if collectors else None,
        "collector_ids": collectors or None,
        "address": parts.address,
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
    not_text = [name for name in variables if not isinstance(name, str)]
    if not_text:  # JSON would turn 3 into "3", and a key's sort would fail beside "a"
        names = ", ".join(repr(name) for name in not_text)
        problems.append(
            FieldProblem(
                "variables",
                f"variable names must be text, not {names}",
                code="enqueue.variables.name_not_text",
                params={"names": names},
            )
        )
        return None
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
