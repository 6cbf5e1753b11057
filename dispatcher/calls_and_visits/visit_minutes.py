"""How long a visit is planned to last: ``variables.visit_minutes`` on its request.

The hours rule checks the whole visit against the allowed hours; a visit without planned
minutes gets the packs' default. A value that is not a whole number of minutes from 1 to
a day is read as a whole day, which no allowed window holds: the visit is refused rather
than checked for less than it may last (fail closed).
"""

from __future__ import annotations

from dispatcher.contactlog.models import Message
from dispatcher.domain import ChannelKind

__all__ = ["MAX_VISIT_MINUTES", "planned_minutes"]

MAX_VISIT_MINUTES = 24 * 60


def planned_minutes(message: Message) -> int | None:
    """The visit's planned minutes; None for other contacts or when the request gives none."""
    if message.channel != ChannelKind.VISIT:
        return None
    raw = (message.variables or {}).get("visit_minutes")
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= MAX_VISIT_MINUTES:
        return MAX_VISIT_MINUTES
    return raw
