"""Taking messages back: one by id, or every pending one of a debtor, account or campaign.

Exactly one of cancel and send wins (see ``dispatcher.contactlog.cancel``); the answer
lists what was cancelled and what was already going out (``too_late``).
"""

from __future__ import annotations

from aiohttp import web

from compliance.rules import HOLD_KINDS
from dispatcher.api.auth import allow
from dispatcher.api.bodies import Fields, read_json
from dispatcher.api.context import Api
from dispatcher.api.debtors import DEBTOR_REF_MAX
from dispatcher.api.messages import MESSAGE_ID
from dispatcher.api.problems import Problem
from dispatcher.contactlog.cancel import Cancelled, cancel_message, cancel_pending
from dispatcher.contactlog.keys import KeyRecord, Role
from dispatcher.enqueue.requests import CAMPAIGN, CAMPAIGN_HINT
from dispatcher.errors import UnknownMessage

__all__ = ["cancel_many", "cancel_one"]

REASON_MAX = 2000


@allow(Role.STRATEGY, Role.ADMIN)
async def cancel_one(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    message_id = request.match_info["message_id"]
    fields = Fields(await read_json(request), what="a cancel")
    reason = fields.text("reason", max_length=REASON_MAX)
    fields.finish()
    assert reason is not None
    if not MESSAGE_ID.fullmatch(message_id):
        raise Problem(404, f"no message with id {message_id!r}")
    try:
        outcome = await cancel_message(api.deps.log, message_id, by=key.label, reason=reason)
    except UnknownMessage as exc:
        raise Problem(404, str(exc)) from None
    return web.json_response(_answer(outcome))


@allow(Role.STRATEGY, Role.ADMIN)
async def cancel_many(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    fields = Fields(await read_json(request), what="a cancel")
    debtor_ref = fields.text("debtor_ref", max_length=DEBTOR_REF_MAX, required=False)
    account_ref = fields.text("account_ref", max_length=DEBTOR_REF_MAX, required=False)
    campaign = fields.pattern("campaign", CAMPAIGN, required=False, hint=CAMPAIGN_HINT)
    reason = fields.text("reason", max_length=REASON_MAX)
    hold = fields.choice("hold", tuple(HOLD_KINDS), required=False)
    filters = {"debtor_ref": debtor_ref, "account_ref": account_ref, "campaign": campaign}
    given = [name for name, value in filters.items() if value]
    if len(given) != 1 and not fields.problems:
        fields.fail(given[1] if given else "debtor_ref",
                    "give exactly one of debtor_ref, account_ref and campaign")  # fmt: skip
    if hold is not None and debtor_ref is None and not fields.problems:
        fields.fail("hold", "a hold is set on a debtor: give debtor_ref")
    fields.finish()
    assert reason is not None
    outcome = await cancel_pending(
        api.deps.log, by=key.label, reason=reason, debtor_ref=debtor_ref,
        account_ref=account_ref, campaign=campaign, hold=hold,
    )  # fmt: skip
    return web.json_response(_answer(outcome))


def _answer(outcome: Cancelled) -> dict[str, object]:
    return {
        "cancelled": outcome.cancelled,
        "too_late": [{"id": mid, "status": status} for mid, status in outcome.too_late.items()],
        "hold_set": outcome.hold_set,
    }
