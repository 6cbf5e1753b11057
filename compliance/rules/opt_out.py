"""No message to a destination that opted out of the channel (STOP, or the provider's 21610)."""

from __future__ import annotations

from compliance.gate import CheckSubject
from compliance.verdict import RuleResult

__all__ = ["DestinationNotOptedOut"]


class DestinationNotOptedOut:
    id = "hold.opt_out"
    citation = "12 CFR 1006.14(h); 47 CFR 64.1200; GB/T 45251-2025 (stop when asked)"

    async def check(self, subject: CheckSubject) -> RuleResult:
        opted_out = await subject.facts.is_opted_out(
            channel=subject.channel, destination=subject.destination
        )
        if opted_out:
            return RuleResult.block(
                self.id,
                self.citation,
                f"{subject.destination} opted out of {subject.channel}",
                destination=subject.destination,
            )
        return RuleResult.allow(self.id, self.citation, destination=subject.destination)
