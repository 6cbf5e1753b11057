"""TCPA: no automated call (or, where a pack says so, text) to a mobile without consent.

47 CFR 64.1200: prerecorded or autodialed calls and texts to a mobile number need the
called party's prior express consent. Which contacts and numbers: the packs'
``[[consent]]`` rules (``us-regf``: automated voice reminders — a voice message with no
collector on it — to numbers the debtor's record types ``mobile``; texts only where a
pack lists ``sms``). The consent is the one on the debtor's record for that number
(``Debtor.phones[].consent``); a revocation (STOP) is an opt-out hold, which
``hold.active`` enforces.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from compliance.gate import CheckSubject
from compliance.packs import PackError, PackSet, load_packs
from compliance.verdict import RuleResult

__all__ = ["AutomatedToMobileConsentRule"]


class AutomatedToMobileConsentRule:
    id = "consent.automated_to_mobile"
    citation = "47 CFR 64.1200"

    def __init__(self, *, pack_loader: Callable[[Iterable[str]], PackSet] = load_packs) -> None:
        self.pack_loader = pack_loader

    async def check(self, subject: CheckSubject) -> RuleResult:
        if not subject.packs:
            return RuleResult.allow(
                self.id, self.citation, "no rule packs: nothing to apply", code="packs.none_apply"
            )
        try:
            rules = self.pack_loader(subject.packs).consent(subject.channel)
        except PackError as exc:
            return RuleResult.block(
                self.id, self.citation, f"no rule packs: {exc}",
                code="packs.unavailable", params={"error": str(exc)},
            )  # fmt: skip
        if not rules:
            return RuleResult.allow(
                self.id, self.citation, f"no consent rule for {subject.channel}",
                code="consent.not_required", params={"channel": subject.channel},
            )  # fmt: skip
        automated = subject.channel != "voice" or not subject.collector_ids
        inputs: dict[str, Any] = {
            "consent_rules": [r.ref for r in rules],
            "automated": automated,
            "destination_type": subject.destination_type,
            "consent_on_record": subject.destination_consent,
        }
        if not automated:
            return RuleResult.allow(
                self.id, self.citation, "a collector places this call",
                code="consent.collector_call", **inputs,
            )  # fmt: skip
        binding = [r for r in rules if subject.destination_type in r.number_types]
        if not binding or subject.destination_consent:
            return RuleResult.allow(self.id, self.citation, **inputs)
        rule = binding[0]
        what = "an automated voice message" if subject.channel == "voice" else "a text"
        return RuleResult.block(
            self.id,
            rule.citation,
            f"{rule.ref}: {what} to a number typed {subject.destination_type} needs the "
            "debtor's prior express consent, and none is on record for this number",
            citations=dict(rule.citations),
            code="consent.missing_voice" if subject.channel == "voice" else "consent.missing_sms",
            params={"rule": rule.ref, "destination_type": subject.destination_type or ""},
            **inputs,
        )
