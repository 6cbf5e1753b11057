"""No call within a quiet period after a counted event: Reg F's 7 days after a conversation.

12 CFR 1006.14(b): a call within 7 days after a telephone conversation about the debt is a
presumed violation; the day of the conversation is day 1, so a conversation on a Monday
bars calls through Sunday and the next call may go at local midnight starting Monday.
The packs say it as data (``[[quiet_periods]]``): the event that starts the period
(``after``), how many days, whether the event's day is day 1, the scope, whose calendar.

The latest such event is read from the contact log, with the same reading as the caps
(``ContactFacts.latest_attempt``). A call still in flight (no result yet) may turn out to
be a conversation: the new call waits a short ``recheck`` and is looked at again then.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from compliance.caps.rule import agreement_exempts, local_midnight, packs_or_refusal, zones_for
from compliance.gate import CheckSubject
from compliance.hours.zones import UnknownLocation
from compliance.packs import PackSet, QuietPeriodRule, Scope, load_packs
from compliance.verdict import RuleResult

__all__ = ["ConversationQuietPeriodRule"]


class ConversationQuietPeriodRule:
    id = "frequency.after_conversation"
    citation = "Quiet periods of the debtor's rule packs (12 CFR 1006.14(b))"
    citations = (("zh-CN", "债务人适用规则包的静默期（12 CFR 1006.14(b)）"),)

    def __init__(
        self,
        *,
        pack_loader: Callable[[Iterable[str]], PackSet] = load_packs,
        recheck: timedelta = timedelta(minutes=10),
    ) -> None:
        self.pack_loader = pack_loader
        self.recheck = recheck

    async def check(self, subject: CheckSubject) -> RuleResult:
        packs = packs_or_refusal(self, subject, self.pack_loader)
        if isinstance(packs, RuleResult):
            return packs
        inputs: dict[str, Any] = {
            "packs": list(packs.ids), "pack_versions": packs.versions, "pack_files": packs.files,
        }  # fmt: skip
        checked: list[dict[str, Any]] = []
        exempt: list[dict[str, Any]] = []
        quiet: list[tuple[datetime, QuietPeriodRule, str, str, dict[str, Any]]] = []
        for period in packs.quiet_periods(subject.channel):
            why = agreement_exempts(period.exemptions, subject, subject.now)
            if why is not None:
                exempt.append({"quiet_period": period.ref, "exempt": why})
                continue
            try:
                found = await self._quiet_until(period, subject, checked)
            except UnknownLocation as exc:
                return RuleResult.block(
                    self.id, period.citation, str(exc), citations=dict(period.citations),
                    code="location.unknown", params={"error": str(exc)}, **inputs,
                )  # fmt: skip
            if found is not None:
                quiet.append(found)
        inputs["quiet_periods"] = checked
        if exempt:
            inputs["exempt"] = exempt
        if not quiet:
            return RuleResult.allow(self.id, self.citation, **inputs)
        until, period, reason, code, params = max(quiet, key=lambda q: q[0])
        return RuleResult.defer(
            self.id, period.citation, reason, until,
            citations=dict(period.citations), code=code, params=params, **inputs,
        )  # fmt: skip

    async def _quiet_until(
        self, period: QuietPeriodRule, subject: CheckSubject, checked: list[dict[str, Any]]
    ) -> tuple[datetime, QuietPeriodRule, str, str, dict[str, Any]] | None:
        """When ``period`` ends for ``subject`` (and why, in English and as a reason code
        with its params), or None when it does not apply."""
        zones = zones_for(period.time_zone, subject)
        # The period runs through local day ``last`` counted from the event's day (day 0).
        last = period.days - 1 if period.event_day_is_day_one else period.days
        since = min(local_midnight(subject.now, z, days_back=last) for z in zones)
        latest = await subject.facts.latest_attempt(
            debtor_ref=subject.debtor_ref,
            counts=frozenset({period.after}),
            since=since,
            account_ref=subject.account_ref if period.scope is Scope.DEBT else None,
            destination=subject.destination if period.scope is Scope.PHONE_NUMBER else None,
        )
        entry: dict[str, Any] = {
            "quiet_period": period.ref, "after": period.after, "days": period.days,
            "scope": period.scope.value, "since": since.isoformat(),
            "zones": [z.key for z in zones], "citation": period.citation,
            "latest": latest.at.isoformat() if latest else None,
            "latest_result": latest.result if latest else None,
        }  # fmt: skip
        checked.append(entry)
        if latest is None:
            return None
        if latest.result is None:
            until = subject.now + self.recheck
            reason = (
                f"{period.ref}: a call claimed at {latest.at:%Y-%m-%d %H:%M} UTC has no result "
                f"yet and may be a {period.after}; checked again shortly"
            )
            code = "quiet.in_flight"
            params = {"period": period.ref, "event": period.after, "claimed_at": latest.at}
            return until, period, reason, code, params
        until = max(local_midnight(latest.at, z, days_back=-(last + 1)) for z in zones)
        if until <= subject.now:
            return None
        reason = (
            f"{period.ref}: {period.after} at {latest.at:%Y-%m-%d %H:%M} UTC; no call for "
            f"{period.days} day(s) ({period.title})"
        )
        params = {
            "period": period.ref, "event": period.after, "event_at": latest.at,
            "days": period.days,
        }  # fmt: skip
        code = "quiet.after_event"
        return until, period, reason, code, params
