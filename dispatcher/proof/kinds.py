"""What is sealed: a small registry of the contact log's append tables ("sealed kinds").

Each kind names its table, the columns sealed as they are (``public``), the columns
sealed only as a commitment under the debtor's secret (``personal``), the debtor they
belong to, and the column whose age settles a row (``at``). Adding a sealed table is one
``register(SealedKind(...))`` line below; then ``dispatcher audit protect`` makes it
append-only at the database too.

Two ways a row enters the tree:
- ``cursor="id"``: rows appended with a growing id, sealed in id order (message events,
  holds as set, approvals...). Verify names a changed, deleted, inserted or reordered row.
- ``cursor="time"``: a closing written once, later, into columns of a row already sealed
  (a hold lifted, a key revoked): sealed when its time column is older than the lag.
  Those columns are the opening kind's ``closing``: its leaf leaves them out, and the
  database lets the application set them once, from NULL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import Select, Table, literal, select

from dispatcher.contactlog.models import (
    ApiKey,
    AuditRead,
    Hold,
    Message,
    MessageEvent,
    Pause,
    PreferenceChange,
    TemplateApproval,
)
from dispatcher.retention.models import RetentionCertificate
from dispatcher.risk_flags.models import RiskFlagEvent
from dispatcher.stats.models import Payment

__all__ = ["KINDS", "MESSAGE_EVENT", "SealedKind", "kind_named", "register"]

# Keys of a message event's ``detail`` that hold no personal data: sealed as they are.
# Every other key (content digests, numbers, error texts, notes...) enters the leaf only as
# the commitment, so that destroying the debtor's secret leaves nothing to test a guess on.
PUBLIC_DETAIL_KEYS = frozenset({
    "verdict_sha256", "error_code", "error_retryable", "requested_by", "cancelled_by",
    "result", "kind", "attempt", "crashes", "second_at_provider", "provider",
    "erased_by_certificate", "decision", "rule_id", "until",
})  # fmt: skip


def _table(model: Any) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


@dataclass(frozen=True)
class SealedKind:
    name: str  # the leaf's kind: "hold" (version 2 leaves say "hold/v2")
    table: Table
    public: tuple[str, ...]  # sealed as they are
    personal: tuple[str, ...] = ()  # sealed as a commitment under the debtor's secret
    debtor: str | None = "debtor_ref"  # the column naming the debtor; None: no debtor
    at: str = "at"  # a row older than the seal's lag (by this column) is settled
    cursor: Literal["id", "time"] = "id"
    closing: tuple[str, ...] = ()  # written once later, sealed by a "time" kind
    subject: str = ""  # how verify names a row: "hold 7" (default: the name)
    rows: Select[Any] | None = None  # default: the table, with its debtor labelled
    # Splits a row into (public, personal) fields; default: by the column lists above.
    split: Callable[[Any], tuple[dict[str, Any], dict[str, Any]]] | None = field(
        default=None, compare=False
    )

    @property
    def noun(self) -> str:
        return self.subject or self.name.replace("_", " ")

    def select(self) -> Select[Any]:
        if self.rows is not None:
            return self.rows
        debtor = self.table.c[self.debtor] if self.debtor else literal("")
        return select(*self.table.c, debtor.label("debtor_of_row"))

    def fields(self, row: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        if self.split is not None:
            return self.split(row)
        mapping = row._mapping
        public = {name: mapping[name] for name in self.public}
        personal = {name: mapping[name] for name in self.personal if mapping[name] is not None}
        return public, personal


def _event_fields(row: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    detail = row.detail if isinstance(row.detail, dict) else {"": row.detail}
    public = {
        "message_id": row.message_id, "at": row.at, "source": row.source,
        "status": row.status,
        "detail": {k: v for k, v in detail.items() if k in PUBLIC_DETAIL_KEYS},
    }  # fmt: skip
    personal = {k: v for k, v in detail.items() if k not in PUBLIC_DETAIL_KEYS}
    return public, personal


_events = _table(MessageEvent)
MESSAGE_EVENT = SealedKind(
    "message_event", _events, public=("message_id", "at", "source", "status"),
    personal=("detail",), subject="event", split=_event_fields,
    # The debtor by a lookup per row (a correlated subquery), not a join: the rows are
    # read by the events' primary key, whichever database plans it.
    rows=select(*_events.c, select(Message.debtor_ref).where(
        Message.id == _events.c.message_id).scalar_subquery().label("debtor_of_row")),
)  # fmt: skip

KINDS: list[SealedKind] = [MESSAGE_EVENT]


def register(kind: SealedKind) -> SealedKind:
    if any(known.name == kind.name for known in KINDS):
        raise ValueError(f"sealed kind {kind.name!r} is registered twice")
    KINDS.append(kind)
    return kind


def kind_named(name: str) -> SealedKind:
    for kind in KINDS:
        if kind.name == name:
            return kind
    raise KeyError(f"no sealed kind {name!r} (dispatcher/proof/kinds.py)")


_HOLD = ("kind", "channel", "debtor_ref", "set_by", "source", "created_at")
register(SealedKind("hold", _table(Hold), public=_HOLD, personal=("destination", "reason"),
                    at="created_at", closing=("lifted_at", "lifted_by")))  # fmt: skip
register(SealedKind("hold.lifted", _table(Hold), public=("lifted_at", "lifted_by"),
                    at="lifted_at", cursor="time", subject="hold lifted"))  # fmt: skip
register(SealedKind("template_approval", _table(TemplateApproval), debtor=None,
                    public=("channel", "locale", "name", "version", "approved", "by", "at",
                            "reason")))  # fmt: skip
register(SealedKind("pause", _table(Pause), debtor=None, at="paused_at",
                    public=("scope", "target", "reason", "paused_by", "paused_at"),
                    closing=("lifted_at", "lifted_by", "lift_reason")))  # fmt: skip
register(SealedKind("pause.lifted", _table(Pause), debtor=None, at="lifted_at", cursor="time",
                    public=("lifted_at", "lifted_by", "lift_reason"),
                    subject="pause lifted"))  # fmt: skip
register(SealedKind("api_key", _table(ApiKey), debtor=None, at="created_at",
                    public=("name", "role", "key_hash", "prefix", "created_at", "created_by"),
                    closing=("revoked_at", "revoked_by"), subject="API key"))  # fmt: skip
register(SealedKind("api_key.revoked", _table(ApiKey), debtor=None, at="revoked_at",
                    cursor="time", public=("revoked_at", "revoked_by"),
                    subject="API key revoked"))  # fmt: skip
# ``rows`` (how many records a read returned) is counted after the read is logged: left
# out of the leaf, and settable once from NULL.
register(SealedKind("audit_read", _table(AuditRead),
                    public=("at", "reader", "action", "debtor_ref", "message_id"),
                    personal=("filters",), closing=("rows",), subject="read"))  # fmt: skip
register(SealedKind("retention_certificate", _table(RetentionCertificate), debtor=None,
                    public=("at", "by", "run_id", "debtors", "rows"),
                    subject="retention certificate"))  # fmt: skip
# What the debtor asked for (times, places, channel, language) and why: personal.
register(SealedKind("preference_change", _table(PreferenceChange), personal=("reason", "changes"),
                    public=("debtor_ref", "at", "by", "source"),
                    subject="preference change"))  # fmt: skip
register(SealedKind("risk_flag_event", _table(RiskFlagEvent), personal=("reason",),
                    public=("debtor_ref", "flag", "action", "actor", "actor_role", "at"),
                    subject="risk flag event"))  # fmt: skip
# A payment as the finance system reported it, and the contact credited with it: what the
# success figures are computed from. Written once (its payment_id makes a repeat a no-op).
# What the debtor paid and when is personal (its fingerprint hashes the same, and a small
# space of amounts could be guessed from it); who was credited is the firm's own record.
register(SealedKind("payment", _table(Payment), at="received_at",
                    public=("payment_id", "debtor_ref", "account_ref", "currency", "portfolio",
                            "reported_by", "received_at", "attribution",
                            "attributed_message_id", "attributed_collector_id",
                            "attributed_channel"),
                    personal=("amount", "paid_at", "paid_on", "fingerprint")))  # fmt: skip
