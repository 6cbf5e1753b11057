"""No contact while a hold applies: checked at send time, so it stops messages already queued.

A cease-communication hold still lets through templates compliance marked as allowed
after a cease (e.g. the letter confirming that collection stops, 12 CFR 1006.6(c)).

A ``no_work_contact`` hold on the debtor ("not at work", 12 CFR 1006.6(b)(1) and (b)(3))
stops calls and texts to a number the debtor's record types ``work`` — and, failing
closed, to a number whose type is not on record — but not to a mobile, home or other
number. On a destination it stops that number. Letters and visits go to the home address
on record, so it does not stop them.

Each refusal cites the packs that applied to the debtor (their ``[[holds]]`` rules for
the hold's kind): a dispute hold on a debtor in China cites the cn pack's source and the
company's policy, not Regulation F.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from compliance.citations import joined
from compliance.gate import CheckSubject, HoldFact
from compliance.hours.zones import UnknownLocation, country_of
from compliance.packs import HOLD_KINDS, PackError, PackSet, load_packs, packs_for
from compliance.verdict import RuleResult

__all__ = ["HOLD_KINDS", "HoldsRule"]

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
    citation = "Holds of the debtor's rule packs (the packs' [[holds]] citations)"
    citations = (("zh-CN", "债务人适用规则包的暂停联系规定（各规则包中暂停联系规则的依据）"),)

    def __init__(
        self,
        *,
        allowed_after_cease: frozenset[str] = frozenset(),
        pack_loader: Callable[[Iterable[str]], PackSet] = load_packs,
    ) -> None:
        self.allowed_after_cease = allowed_after_cease
        self.pack_loader = pack_loader

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
        code = "hold.on_destination" if first.destination else "hold.on_debtor"
        if first.kind == "no_work_contact" and first.destination is None:
            scope += f"; {subject.destination} is typed {subject.destination_type or 'nothing'}"
            code = "hold.work_number"
        citation, citations, cited_by = self._citation(first.kind, subject)
        return RuleResult.block(
            self.id,
            citation,
            f"{first.kind} hold on {scope} (set {first.created_at:%Y-%m-%d} by "
            f"{first.set_by}, source {first.source}: {first.reason})",
            code=code,
            params={
                "kind": first.kind, "destination": first.destination or subject.destination,
                "destination_type": subject.destination_type or "", "set_at": first.created_at,
                "set_by": first.set_by, "source": first.source, "note": first.reason,
            },
            citations=citations,
            cited_by=cited_by,
            holds=[
                {"kind": h.kind, "channel": h.channel, "destination": h.destination,
                 "source": h.source, "set_by": h.set_by, "reason": h.reason}
                for h in stopping
            ],
        )  # fmt: skip

    def _citation(self, kind: str, subject: CheckSubject) -> tuple[str, dict[str, str], list[str]]:
        """What the debtor's packs cite for a ``kind`` hold on this channel (in English and
        in the other languages they name it in), and which rules said so; the rule's own
        citation when no pack names the kind (or none loads). With no packs on the subject,
        the defaults for the destination number's country."""
        try:
            packs = subject.packs or packs_for(country_of(subject.destination))
            rules = self.pack_loader(packs).hold_citations(kind, subject.channel)
        except (PackError, UnknownLocation):
            rules = ()
        if not rules:
            return self.citation, {}, []
        citation, citations = joined((r.citation, r.citations) for r in rules)
        return citation, citations, [r.ref for r in rules]

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
