"""Compliance: the gate every message passes just before it is sent, and its rules."""

from compliance.gate import CheckSubject, ComplianceGate, ContactFacts, Rule
from compliance.verdict import Decision, RuleResult, Verdict

__all__ = [
    "CheckSubject",
    "ComplianceGate",
    "ContactFacts",
    "Decision",
    "Rule",
    "RuleResult",
    "Verdict",
]
