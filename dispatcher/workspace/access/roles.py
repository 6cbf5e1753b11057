"""The roles a person holds in the workspace."""

from __future__ import annotations

import enum

__all__ = ["SEES_EVERY_DEBTOR", "PersonRole"]


class PersonRole(enum.StrEnum):
    COMPLIANCE = "compliance"  # audits the contact log: search, export, holds, approvals, pause
    COLLECTOR = "collector"  # calls and visits the debtors assigned to them, nothing else
    SUPERVISOR = "supervisor"  # leads collectors: sees every debtor, may resume sending
    ADMIN = "admin"  # runs the system: people, resume


# Everyone but a collector sees every debtor; a collector only those assigned to them.
SEES_EVERY_DEBTOR = frozenset({PersonRole.COMPLIANCE, PersonRole.SUPERVISOR, PersonRole.ADMIN})
