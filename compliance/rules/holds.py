"""No contact while a hold applies: checked at send time, so it stops messages already queued.

A cease-communication hold still lets through templates compliance marked as allowed
after a cease (e.g. the letter confirming that collection stops, 12 CFR 1006.6(c)).

A ``no_work_contact`` hold on the debtor ("not at work", 12 CFR 1006.6(b)(1) and (b)(3))
stops calls and texts to a number the debtor's record types ``work`` — and, failing
closed, to a number whose type is not on record — but not to a mobile, home or other
number. On a destination it stops that number. Letters and visits go to the home address
on record, so it does not stop them.
"""

from __future__ import annotations

from compliance.gate import CheckSubject, HoldFact
from compliance.verdict import RuleResult

__all__ = ["HOLD_KINDS", "HoldsRule"]

HOLD_KINDS = {
    "opt_out": "12 CFR 1006.14(h); 47 CFR 64.1200; GB/T 45251-2025 (stop when asked)",
    "cease": "12 CFR 1006.6(c)",
    "dispute": "12 CFR 1006.34; company policy: contact paused until the dispute is resolved",
    "attorney": "12 CFR 1006.6(b)(2)",
    "bankruptcy": "11 U.S.C. 362 (automatic stay)",
    "deceased": "company policy: no collection contact with a deceased debtor",
    "do_not_visit": "seed 4 (risk: violent resistance); company policy",
    "no_work_contact": "12 CFR 1006.6(b)(3)",
    "wrong_number": "company policy: a number found not to be the debtor's is not called again",
    "bad_address": "company policy: mail returned to sender; no letters until the address is fixed",
    # Set with a cancel, when the strategy system reports the debt's end (seed 2.(5)).
    "paid": "company policy: no collection contact about a debt that is paid",
    "settled": "company policy: no collection contact about a settled debt",
    "written_off": "seed 2.(5): a written-off debt is no longer collected",
    "restructured": "seed 2.(5): contact follows the restructuring agreement, not the old plan",
}
# Kinds that only concern some channels, whatever channel the hold row names.
_ONLY_FOR = {
    "do_not_visit": {"visit"},
    "bad_address": {"letter"},
    "no_work_contact": {"voice", "sms", "email"},
}
# Channels whose destination is a phone number the debtor's record may type.
_PHONE_CHANNELS = frozenset({"voice", "sms"})
# Number types a debtor-wide no_work_contact hold does not stop.
_NOT_WORK = frozenset({"mobile", "home", "other"})


class HoldsRule:
    id = "hold.active"
    citation = "12 CFR 1006.6, 1006.14(h); GB/T 45251-2025; seed 4"

    def __init__(self, *, allowed_after_cease: frozenset[str] = frozenset()) -> None:
        self.allowed_after_cease = allowed_after_cease

    async def check(self, subject: CheckSubject) -> RuleResult:
        holds = await subject.facts.active_holds(
            debtor_ref=subject.debtor_ref,
            destination=subject.destination,
            channel=subject.channel,
        )
        stopping = [h for h in holds if self._stops(h, subject)]
        if not stopping:
            return RuleResult.allow(
                self.id, self.citation, holds_checked=len(holds),
                destination_type=subject.destination_type,
            )  # fmt: skip
        first = stopping[0]
        scope = f"destination {first.destination}" if first.destination else "the debtor"
        if first.kind == "no_work_contact" and first.destination is None:
            scope += f"; {subject.destination} is typed {subject.destination_type or 'nothing'}"
        return RuleResult.block(
            self.id,
            HOLD_KINDS.get(first.kind, self.citation),
            f"{first.kind} hold on {scope} (set {first.created_at:%Y-%m-%d} by "
            f"{first.set_by}, source {first.source}: {first.reason})",
            holds=[
                {"kind": h.kind, "channel": h.channel, "destination": h.destination,
                 "source": h.source, "set_by": h.set_by, "reason": h.reason}
                for h in stopping
            ],
        )  # fmt: skip

    def _stops(self, hold: HoldFact, subject: CheckSubject) -> bool:
        if hold.kind in _ONLY_FOR and subject.channel not in _ONLY_FOR[hold.kind]:
            return False
        if hold.kind == "cease" and subject.template_name in self.allowed_after_cease:
            return False
        if (
            hold.kind == "no_work_contact"
            and hold.destination is None
            and subject.channel in _PHONE_CHANNELS
        ):
            return subject.destination_type not in _NOT_WORK
        return True
