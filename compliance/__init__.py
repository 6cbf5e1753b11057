"""Compliance: the gate every message passes just before it is sent, and its rules."""

from compliance.gate import (
    AttemptCount,
    CheckSubject,
    CollectorFact,
    ComplianceGate,
    ContactFacts,
    HoldFact,
    Rule,
)
from compliance.verdict import Decision, RuleResult, Verdict

__all__ = [
    "AttemptCount",
    "CheckSubject",
    "CollectorFact",
    "ComplianceGate",
    "ContactFacts",
    "Decision",
    "HoldFact",
    "Rule",
    "RuleResult",
    "Verdict",
]
