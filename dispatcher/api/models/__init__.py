"""The HTTP API's bodies, each declared once as a pydantic model.

From a model come the request's validation (``dispatcher.api.bodies.read_body``: every
problem with its field, and its index in a batch), the OpenAPI document's
``components.schemas`` (``schema.component_schemas``) and the answers' JSON.
"""

from __future__ import annotations

from dispatcher.api.models import (
    accounts,
    audit,
    calls,
    cancel,
    collectors,
    debtors,
    health,
    holds,
    keys,
    messages,
    pauses,
    problem,
    templates,
    views,
    visits,
)
from dispatcher.api.models.base import Body, Shown
from dispatcher.api.models.problems import field_problems
from dispatcher.api.models.schema import component_schemas

__all__ = ["DECLARED", "Body", "Shown", "component_schemas", "field_problems"]

# Every body declared here; the document's schemas are these and those they refer to.
DECLARED = (
    messages.MessageRequest, messages.BatchRequest, messages.Accepted, messages.BatchAccepted,
    problem.Problem, cancel.CancelRequest, cancel.CancelPendingRequest, cancel.CancelOutcome,
    pauses.PauseRequest, pauses.ResumeRequest, pauses.Pause, pauses.PauseList, pauses.Resumed,
    keys.KeyRequest, keys.Key, keys.CreatedKey, keys.KeyList, accounts.AccountRequest,
    accounts.Account, holds.HoldRequest, holds.HoldLiftRequest, holds.HoldSet,
    holds.HoldLifted, holds.Hold, holds.HoldList, collectors.CollectorRequest,
    collectors.Collector, collectors.CollectorList, templates.Template, templates.TemplateList,
    templates.PreviewRequest, templates.Preview, templates.ApprovalRequest,
    templates.ApprovalDecided, views.MessageEvent, views.MessageSummary, views.Message,
    views.MessagePage, audit.AuditRead, audit.AuditReadPage, debtors.DebtorRequest,
    debtors.Debtor, debtors.DebtorPreferences, calls.CallRequest, calls.Call, calls.CallPage,
    calls.DispositionRequest, calls.DispositionRecorded,
    visits.VisitRequest, visits.VisitOutcomeRequest, visits.VisitOutcome, health.Health,
)  # fmt: skip
