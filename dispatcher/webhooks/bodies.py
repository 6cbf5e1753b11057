"""The outbound events' bodies, declared once (``dispatcher.api.models``): the changes
feed's pages, and the webhook subscriptions as sent and answered, with their deliveries
and attempts."""

from __future__ import annotations

import enum
import re
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from dispatcher.api.models.base import Body, Shown, TimeText, named_enum
from dispatcher.contactlog.keys import KEY_NAME, Role
from dispatcher.events.kinds import EventType
from dispatcher.webhooks.deliveries import STATES
from dispatcher.webhooks.signing import PREFIX, key_of

__all__ = [
    "BODIES", "DAY_S", "MAX_DELIVERY_ID", "URL_PATTERN", "Attempt", "AttemptPage", "Delivery",
    "DeliveryPage", "DeliveryState", "Event", "EventPage", "EventTypeOrAll", "Replay",
    "Replayed", "SecretRotation", "Subscription", "SubscriptionChange", "SubscriptionList",
    "SubscriptionRequest", "SubscriptionRole",
]  # fmt: skip

# Visible ASCII only: no spaces, no characters two regex dialects might class differently.
URL_PATTERN = r"https?://[A-Za-z0-9.\-_~%:@\[\]]+(/[!-~]*)?"
_URL = re.compile(URL_PATTERN)
DAY_S = 86_400
MAX_DELIVERY_ID = 2**53 - 1  # what a JSON number holds exactly


class SubscriptionRole(enum.StrEnum):
    """Whose view of personal data a subscriber gets: strategy's is masked."""

    STRATEGY = Role.STRATEGY.value
    COMPLIANCE = Role.COMPLIANCE.value


if TYPE_CHECKING:
    EventTypeOrAll = str
    DeliveryState = str
else:  # one enum each in the schema: event types and "*" for all; a delivery's states
    EventTypeOrAll = named_enum("EventTypeOrAll", [*EventType, "*"])
    DeliveryState = named_enum("DeliveryState", STATES)


def _http_url(url: str) -> str:
    if _URL.fullmatch(url) is None:
        raise PydanticCustomError("webhook.url.invalid", "must be an http:// or https:// URL")
    return url


def _secret(secret: str) -> str:
    try:
        key_of(secret)
    except ValueError:
        raise PydanticCustomError(
            "webhook.secret.invalid", "must be whsec_ and a key of 24 to 64 bytes in base64"
        ) from None
    return secret


Url = Annotated[
    str,
    Field(max_length=2000, json_schema_extra={"pattern": f"^{URL_PATTERN}$"}),
    AfterValidator(_http_url),
]
Secret = Annotated[
    str,
    Field(
        max_length=200,
        json_schema_extra={"pattern": f"^{PREFIX}[A-Za-z0-9+/]+={{0,2}}$"},
        description="Default: a new one, in this answer only",
    ),
    AfterValidator(_secret),
]
EventTypes = Annotated[
    list[EventTypeOrAll],
    Field(
        min_length=1,
        max_length=len(EventType) + 1,
        description='Event types to receive; ["*"] for all',
    ),
]
RoleField = Annotated[SubscriptionRole, Field(description="strategy: personal data masked")]


class Event(Shown):
    id: Annotated[str, Field(description="Stable: the same event, the same id")]
    type: EventType
    timestamp: TimeText
    data: dict[str, Any]
    cursor: Annotated[str, Field(description="Read on after this event with it")]


class EventPage(Shown):
    items: list[Event]
    next_cursor: Annotated[str, Field(description="Ask again with it (the same when nothing new)")]


class SubscriptionRequest(Body):
    name: Annotated[str, Field(pattern=f"^{KEY_NAME.pattern}$")]
    url: Url
    event_types: EventTypes
    role: Annotated[RoleField | None, Field(description="Default strategy")] = None
    secret: Secret | None = None


class SubscriptionChange(Body):
    """Only the fields given change."""

    url: Url | None = None
    event_types: EventTypes | None = None
    role: RoleField | None = None
    active: Annotated[bool | None, Field(description="false: paused")] = None


class SecretRotation(Body):
    secret: Secret | None = None
    keep_old_for_s: Annotated[
        int | None,
        Field(ge=0, le=7 * DAY_S, description="How long the older secrets still sign (a day)"),
    ] = None


class SubscriptionSecret(Shown):
    prefix: str
    created_at: TimeText
    expires_at: TimeText | None


class DeliveryCounts(Shown):
    pending: int
    delivered: int
    dead: int


def _absent(value: Any) -> bool:
    return value is None


class Subscription(Shown):
    id: int
    name: str
    url: str
    event_types: list[EventTypeOrAll]
    role: RoleField
    active: bool
    created_at: TimeText
    created_by: str
    updated_at: TimeText
    secrets: Annotated[list[SubscriptionSecret], Field(description="Shown by their first letters")]
    secret: Annotated[
        str | None, Field(description="Only in the answer that made it", exclude_if=_absent)
    ] = None
    deliveries: Annotated[
        DeliveryCounts | None,
        Field(description="Only when one subscription is read", exclude_if=_absent),
    ] = None


class SubscriptionList(Shown):
    items: list[Subscription]


class Replay(Body):
    delivery_ids: Annotated[
        list[Annotated[int, Field(ge=1, le=MAX_DELIVERY_ID)]] | None,
        Field(min_length=1, max_length=1000, description="These dead letters (default: all)"),
    ] = None


class Replayed(Shown):
    replayed: int


class Delivery(Shown):
    id: int
    event_id: str
    type: EventType
    state: DeliveryState
    attempts: int
    next_attempt_at: TimeText | None
    first_attempt_at: TimeText | None
    last_attempt_at: TimeText | None
    last_status: int | None
    last_error: str | None
    done_at: TimeText | None


class Attempt(Shown):
    id: int
    delivery_id: int
    event_id: str
    attempt: int
    at: TimeText
    status: Annotated[int | None, Field(description="The receiver's; null: no answer")]
    error: str | None
    duration_ms: int


class DeliveryPage(Shown):
    items: list[Delivery]
    next_after: int


class AttemptPage(Shown):
    items: list[Attempt]
    next_after: int


BODIES = (
    EventPage, SubscriptionRequest, SubscriptionChange, SecretRotation, Subscription,
    SubscriptionList, Replay, Replayed, DeliveryPage, AttemptPage,
)  # fmt: skip
