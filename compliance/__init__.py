"""Compliance: the gate every message passes just before it is sent, and its rules."""

from compliance.gate import (
    AttemptCount,
    CheckSubject,
    ComplianceGate,
    ContactFacts,
    HoldFact,
    Rule,
)
from compliance.verdict import Decision, RuleResult, Verdict

__all__ = [
    "AttemptCount",
    "CheckSubject",
    "ComplianceGate",
    "ContactFacts",
    "Decision",
    "HoldFact",
    "Rule",
    "RuleResult",
    "Verdict",
]
