"""Taking messages back: one by id, or every pending one of a debtor, account or campaign.

Exactly one of cancel and send wins (see ``dispatcher.contactlog.cancel``); the answer
lists what was cancelled and what was already going out (``too_late``).
"""

from __future__ import annotations

from aiohttp import web

from dispatcher.api.auth import allow
from dispatcher.api.bodies import read_body
from dispatcher.api.context import Api
from dispatcher.api.messages import MESSAGE_ID
from dispatcher.api.models import cancel as bodies
from dispatcher.api.models.render import shown
from dispatcher.api.problems import Problem
from dispatcher.contactlog.cancel import Cancelled, cancel_message, cancel_pending
from dispatcher.contactlog.keys import KeyRecord, Role
from dispatcher.domain import MessageStatus
from dispatcher.errors import UnknownMessage

__all__ = ["cancel_many", "cancel_one"]


@allow(Role.STRATEGY, Role.ADMIN)
async def cancel_one(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    message_id = request.match_info["message_id"]
    body = await read_body(request, bodies.CancelRequest)
    if not MESSAGE_ID.fullmatch(message_id):
        raise UnknownMessage(message_id)
    outcome = await cancel_message(api.deps.log, message_id, by=key.label, reason=body.reason)
    return shown(_answer(outcome))


@allow(Role.STRATEGY, Role.ADMIN)
async def cancel_many(request: web.Request, api: Api, key: KeyRecord) -> web.Response:
    body = await read_body(request, bodies.CancelPendingRequest)
    filters = {"debtor_ref": body.debtor_ref, "account_ref": body.account_ref,
               "campaign": body.campaign}  # fmt: skip
    given = [name for name, value in filters.items() if value]
    if len(given) != 1:
        raise Problem.field(
            given[1] if given else "debtor_ref",
            "give exactly one of debtor_ref, account_ref and campaign", code="cancel.one_filter",
        )  # fmt: skip
    if body.hold is not None and body.debtor_ref is None:
        raise Problem.field(
            "hold", "a hold is set on a debtor: give debtor_ref", code="cancel.hold_needs_debtor"
        )
    outcome = await cancel_pending(
        api.deps.log, by=key.label, reason=body.reason, debtor_ref=body.debtor_ref,
        account_ref=body.account_ref, campaign=body.campaign, hold=body.hold,
    )  # fmt: skip
    return shown(_answer(outcome))


def _answer(outcome: Cancelled) -> bodies.CancelOutcome:
    return bodies.CancelOutcome(
        cancelled=outcome.cancelled,
        too_late=[
            bodies.TooLate(id=mid, status=MessageStatus(status))
            for mid, status in outcome.too_late.items()
        ],
        hold_set=outcome.hold_set,
    )
