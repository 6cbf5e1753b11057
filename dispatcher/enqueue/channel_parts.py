"""What a request gives for its channel: a phone number or a postal address, the
collectors of a call or a visit, a visit's booked time, a letter's recipient block.

Each check appends its problems to the request's list and goes on, as
``dispatcher.enqueue.requests`` does, so that every problem is named at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from dispatcher.debtors.addresses import address_key, checked_address
from dispatcher.debtors.phones import e164_and_country
from dispatcher.domain import PHONE_CHANNELS, ChannelKind
from dispatcher.errors import FieldProblem, InvalidRequest

if TYPE_CHECKING:
    from dispatcher.enqueue.requests import MessageRequest

__all__ = ["ChannelParts", "add_recipient_block", "channel_parts"]


class ChannelParts(NamedTuple):
    destination: str  # E.164 for a phone, the address's key for a letter or a visit
    address: dict[str, Any] | None  # letters and visits, as stored
    country: str  # the number's or the address's; "" when it was refused
    collectors: list[str]
    visit_at: datetime | None


def channel_parts(
    request: MessageRequest,
    locale: str,
    channel_ok: bool,
    now: datetime,
    problems: list[FieldProblem],
) -> ChannelParts:
    """Where the request goes, who makes the contact, and when a visit is booked.
    ``channel_ok``: the channel is known (else only a phone number is read)."""
    destination, address, country = _destination(request, locale, channel_ok, problems)
    collectors = _collectors(request, problems) if channel_ok else []
    visit_at = None
    if request.channel == ChannelKind.VISIT:
        visit_at = _check_visit_at(request.variables.get("visit_at"), now, problems)
    return ChannelParts(destination, address, country, collectors, visit_at)


def add_recipient_block(
    channel: str, variables: dict[str, Any] | None, address: Mapping[str, Any] | None
) -> None:
    """A letter's recipient block is the address it is posted to, unless given apart."""
    if channel != ChannelKind.LETTER or not address or variables is None:
        return
    variables.setdefault("consumer_name", address["name"])
    postal = [address["postal_code"]] if address.get("postal_code") else []
    variables.setdefault("consumer_address_lines", [*address["lines"], *postal])


def _destination(
    request: MessageRequest, locale: str, channel_ok: bool, problems: list[FieldProblem]
) -> tuple[str, dict[str, Any] | None, str]:
    """The destination as stored, the checked address, and the destination's country."""
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
    return destination, address, country


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
