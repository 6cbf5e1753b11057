"""Compliance: the gate every message passes just before it is sent, and its rules."""

from compliance.gate import (
    AttemptCount,
    AttemptFact,
    CheckSubject,
    CollectorFact,
    ComplianceGate,
    ContactFacts,
    HoldFact,
    RenderProblem,
    Rule,
)
from compliance.verdict import Decision, RuleResult, Verdict

__all__ = [
    "AttemptCount",
    "AttemptFact",
    "CheckSubject",
    "CollectorFact",
    "ComplianceGate",
    "ContactFacts",
    "Decision",
    "HoldFact",
    "RenderProblem",
    "Rule",
    "RuleResult",
    "Verdict",
]
