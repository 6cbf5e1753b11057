"""What a debtor asked of us (12 CFR 1006.6(b)(1), and what a Chinese debtor asks): times
and places that are inconvenient, the channel they prefer, the language they read.

    changed = await set_preferences(
        log, "D-1", {"inconvenient_times": [{"end": "10:00"}], "preferred_locale": "zh-CN"},
        by="strategy:crm", reason="the debtor wrote on 2026-11-30",
    )

Set through ``PUT /v1/debtors/{ref}`` (a preference left out stays as it is), the Python
``ContactLog.upsert_debtor``, or a collector: ``preferences`` on a call's disposition
where someone spoke, or on a visit's outcome where they met the debtor (added to those on
record). Every change is appended to
``preference_changes`` with who, where from and why; ``GET /v1/debtors/{ref}/preferences``
shows them with the log.

Who obeys what:

- ``inconvenient_times``: the hours rule (``hours.allowed_window``). A contact that falls
  in one is deferred to its end, in every zone the debtor may be in; a visit is refused
  (its time is booked).
- ``inconvenient_places`` ``work``: the holds rule, through a ``no_work_contact`` hold: no
  call or text to a number typed work (or not typed at all: it fails closed).
- ``preferred_locale``: enqueue. A request that names no locale is rendered in it.
- ``preferred_channel``: no rule refuses on it. It is advisory: Reg F binds times and
  places, and a medium the debtor refuses is an opt-out hold (1006.14(h)). The
  ``preferences.stated`` rule records in each verdict whether the contact used it; the
  API shows it to strategy and collectors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from dispatcher.preferences.fields import (
    PLACE_HOLDS,
    PREFERENCE_FIELDS,
    checked_inconvenient_times,
    checked_preferences,
)
from dispatcher.preferences.store import (
    ChangeRecord,
    Preferences,
    change_preferences,
    preference_log,
    preferences_of,
)

if TYPE_CHECKING:  # the contact log's store uses this package: no import at run time
    from dispatcher.contactlog.store import ContactLog

__all__ = [
    "PLACE_HOLDS",
    "PREFERENCE_FIELDS",
    "ChangeRecord",
    "Preferences",
    "change_preferences",
    "checked_inconvenient_times",
    "checked_preferences",
    "preference_log",
    "preferences_of",
    "read_preferences",
    "set_preferences",
]


async def set_preferences(
    log: ContactLog,
    debtor_ref: str,
    given: Mapping[str, Any],
    *,
    by: str,
    reason: str,
    source: str = "api",
    merge: bool = False,
) -> tuple[Preferences, dict[str, Any]]:
    """Check ``given`` (``InvalidRequest`` naming each bad field, nothing written) and apply
    it in one transaction; returns the preferences now and what changed."""
    checked = checked_preferences(given)
    async with log.engine.begin() as conn:
        return await change_preferences(
            conn, debtor_ref, checked, by=by, source=source, reason=reason,
            at=log.clock.now(), merge=merge,
        )  # fmt: skip


async def read_preferences(
    log: ContactLog, debtor_ref: str
) -> tuple[Preferences, list[ChangeRecord]]:
    async with log.engine.connect() as conn:
        return await preferences_of(conn, debtor_ref), await preference_log(conn, debtor_ref)
