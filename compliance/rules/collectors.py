"""Collectors: only a trained collector with a valid credential may call or visit (org pack).

A call that names collectors (a collector's bridged call) and every visit must name only
collectors the registry knows, each active, trained and with an unexpired credential on
the local date of the contact. A visit needs at least as many valid collectors as the
packs' staffing rules ask (org: two), and never fewer than two. An automated voice
reminder names no collector and passes.

The local date: the contact's time (``contact_at`` for a visit, else now) in Beijing time
for debtors under the ``cn`` pack, else in the debtor's time zone (on record, or every
zone the phone number indicates). Where neither is known, every date the contact could
be local to anywhere (UTC-12 .. UTC+14): the credential must hold on all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from compliance.citations import joined
from compliance.gate import CheckSubject, CollectorFact
from compliance.hours.zones import UnknownLocation, debtor_zones
from compliance.packs import PackError, PackSet, load_packs
from compliance.verdict import RuleResult

__all__ = [
    "MIN_VISIT_COLLECTORS",
    "CollectorCredentialRule",
    "CredentialIssue",
    "credential_issue",
    "credential_problem",
]

MIN_VISIT_COLLECTORS = 2  # company policy (seed), whatever the packs say
_BEIJING = "Asia/Shanghai"


@dataclass(frozen=True)
class CredentialIssue:
    """Why a collector may not call or visit: in English, and as a reason code with params."""

    text: str
    code: str
    params: dict[str, Any]


def credential_issue(fact: CollectorFact, *, on: date) -> CredentialIssue | None:
    """Why this collector may not call or visit on ``on`` (a local date), or None."""
    who = fact.collector_id
    if not fact.active:
        return CredentialIssue(
            f"collector {who} is not active",
            code="collector.inactive",
            params={"collector_id": who},
        )
    if fact.trained_on is None:
        return CredentialIssue(
            f"collector {who} has not passed training", code="collector.untrained",
            params={"collector_id": who},
        )  # fmt: skip
    if fact.trained_on > on:
        return CredentialIssue(
            f"collector {who} passes training only on {fact.trained_on}",
            code="collector.trained_later",
            params={"collector_id": who, "trained_on": fact.trained_on.isoformat()},
        )
    if fact.credential_expires is not None and fact.credential_expires < on:
        return CredentialIssue(
            f"collector {who}'s credential expired on {fact.credential_expires}",
            code="collector.credential_expired",
            params={"collector_id": who, "expired_on": fact.credential_expires.isoformat()},
        )
    return None


def credential_problem(fact: CollectorFact, *, on: date) -> str | None:
    """``credential_issue``'s English sentence, or None."""
    issue = credential_issue(fact, on=on)
    return issue.text if issue else None


class CollectorCredentialRule:
    id = "collector.credential"
    citation = "Company policy (seed): collectors start work only after passing training"
    citations = (
        (
            "zh-CN",
            "公司《催收项目实施管理办法》三、催收人员管理：催收人员经培训合格后方可上岗",
        ),
    )

    def __init__(self, *, pack_loader: Callable[[Iterable[str]], PackSet] = load_packs) -> None:
        self.pack_loader = pack_loader

    async def check(self, subject: CheckSubject) -> RuleResult:
        if subject.channel not in ("voice", "visit"):
            return RuleResult.allow(
                self.id, self.citation, "no collectors on this channel",
                code="collector.not_applicable", params={"channel": subject.channel},
            )  # fmt: skip
        if subject.channel == "voice" and not subject.collector_ids:
            return RuleResult.allow(
                self.id, self.citation, "automated call: no collector",
                code="collector.automated_call",
            )  # fmt: skip
        try:
            staffing = self.pack_loader(subject.packs).staffing(subject.channel)
        except PackError as exc:
            return RuleResult.block(
                self.id, self.citation, f"no rule packs: {exc}",
                code="packs.unavailable", params={"error": str(exc)},
            )  # fmt: skip
        at = subject.contact_at or subject.now
        dates, where = local_dates(at, subject)
        known = {c.collector_id: c for c in subject.collectors}
        issues: dict[str, CredentialIssue] = {}
        for collector_id in dict.fromkeys(subject.collector_ids):
            fact = known.get(collector_id)
            if fact is None:
                issues[collector_id] = CredentialIssue(
                    f"collector {collector_id} is not in the registry", code="collector.unknown",
                    params={"collector_id": collector_id},
                )  # fmt: skip
                continue
            found = [p for p in (credential_issue(fact, on=d) for d in dates) if p]
            if found:
                issues[collector_id] = found[-1]  # the latest date: an expiry shows there
        problems = {collector_id: issue.text for collector_id, issue in issues.items()}
        valid = [c for c in dict.fromkeys(subject.collector_ids) if c not in problems]
        inputs: dict[str, Any] = {
            "collector_ids": list(subject.collector_ids), "valid": valid,
            "problems": problems, "local_dates": [d.isoformat() for d in dates],
            "dates_from": where, "staffing": [s.ref for s in staffing],
        }  # fmt: skip
        citation, citations = joined((s.citation, s.citations) for s in staffing)
        citation = citation or self.citation
        if issues:
            first = next(iter(issues.values()))
            return RuleResult.block(
                self.id, citation, "; ".join(problems.values()), citations=citations,
                code=first.code, params=first.params, **inputs,
            )  # fmt: skip
        if subject.channel == "visit":
            needed = max([MIN_VISIT_COLLECTORS, *(s.min_collectors for s in staffing)])
            inputs["min_collectors"] = needed
            if len(valid) < needed:
                return RuleResult.block(
                    self.id, citation,
                    f"a visit needs {needed} or more collectors with a valid credential; "
                    f"{len(valid)} named",
                    code="collector.visit_understaffed", citations=citations,
                    params={"needed": needed, "valid": len(valid)}, **inputs,
                )  # fmt: skip
        return RuleResult.allow(self.id, citation, code="allowed", citations=citations, **inputs)


def local_dates(at: datetime, subject: CheckSubject) -> tuple[list[date], str]:
    """The local dates of ``at`` the credential must hold on, and where they came from."""
    if "cn" in subject.packs:
        return [at.astimezone(ZoneInfo(_BEIJING)).date()], f"Beijing time ({_BEIJING})"
    try:
        names, source = debtor_zones(subject.destination, subject.debtor_time_zone)
        zones = [ZoneInfo(name) for name in names]
    except (UnknownLocation, ValueError, KeyError):
        span = {(at + timedelta(hours=h)).date() for h in (-12, 14)}
        return sorted(span), "any zone (the debtor's location is unknown)"
    return sorted({at.astimezone(z).date() for z in zones}), source
