"""The contact log's tables: one row per contact attempt, and its append-only events."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "Account",
    "AuditCheckpoint",
    "AuditLeaf",
    "Base",
    "Collector",
    "Debtor",
    "DebtorSecret",
    "Hold",
    "Message",
    "MessageEvent",
    "PreferenceChange",
    "TemplateApproval",
    "UTCDateTime",
]


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in, timezone-aware UTC out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the contact log; use an aware UTC time")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Money(TypeDecorator[Decimal]):
    """An exact decimal amount: NUMERIC(18, 2) on PostgreSQL; text on SQLite, which has no
    exact decimal type (its NUMERIC would round-trip through a float)."""

    impl = Numeric(18, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(Numeric(18, 2))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(str(value))


JsonDocument = JSON().with_variant(JSONB(), "postgresql")

# BIGSERIAL on PostgreSQL; SQLite only auto-increments an INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime,
        dict[str, Any]: JsonDocument,
    }


class Message(Base):
    """One contact attempt, from enqueue to its last known outcome."""

    __tablename__ = "messages"

    id: Mapped[str] = mapped_column(String(26), primary_key=True)  # time-ordered, see ids.py
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    # A hash of the request the message was made from: the same key with another request
    # is refused, not answered with this message. None on rows older than migration 0010.
    request_fingerprint: Mapped[str | None] = mapped_column(String(64))
    debtor_ref: Mapped[str] = mapped_column(String(100), index=True)
    account_ref: Mapped[str | None] = mapped_column(String(100), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    template_name: Mapped[str] = mapped_column(String(100))
    template_version: Mapped[str] = mapped_column(String(16))  # content hash of the template
    locale: Mapped[str] = mapped_column(String(10))
    variables: Mapped[dict[str, Any]]
    destination: Mapped[str] = mapped_column(String(64))  # E.164 for phone channels
    content: Mapped[str | None] = mapped_column(Text)  # the body as rendered for sending
    segments: Mapped[int | None]
    requested_by: Mapped[str] = mapped_column(String(100))  # "strategy", "collector:c-17", ...
    created_at: Mapped[datetime] = mapped_column(index=True)  # audit searches by time
    scheduled_for: Mapped[datetime]  # not before this; moved forward by deferrals and retries
    valid_until: Mapped[datetime]  # deferred past this, it is blocked as expired
    updated_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(default=0)  # sends handed to a provider
    attempted_at: Mapped[datetime | None]  # when it was last claimed for sending: caps count this
    provider: Mapped[str | None] = mapped_column(String(32))
    provider_message_id: Mapped[str | None] = mapped_column(String(64), index=True)
    error_code: Mapped[str | None] = mapped_column(String(32))
    error_text: Mapped[str | None] = mapped_column(Text)
    error_retryable: Mapped[bool | None] = mapped_column(Boolean)
    verdict: Mapped[dict[str, Any] | None]
    # What the attempt came to (domain.ContactResult); None while unknown. Caps count by it.
    result: Mapped[str | None] = mapped_column(String(16))
    # Calls and visits: the collector who asked (calls) or leads (visits), and everyone sent.
    collector_id: Mapped[str | None] = mapped_column(String(100), index=True)
    collector_ids: Mapped[list[str] | None] = mapped_column(JsonDocument)
    # Letters and visits: {"name", "lines": [...], "postal_code", "country"}.
    address: Mapped[dict[str, Any] | None]
    # Calls: seconds connected, the recording's reference, who answered ("human", "machine").
    duration_s: Mapped[int | None]
    recording_ref: Mapped[str | None] = mapped_column(String(200))
    answered_by: Mapped[str | None] = mapped_column(String(32))
    # Calls and visits: what the collector recorded afterwards ({"kind": "promise_to_pay", ...}).
    disposition: Mapped[dict[str, Any] | None]
    # The pause a deferred message is parked under: no job runs it until that pause is
    # lifted (which releases it) or its validity ends (pauses/state.py).
    parked_by: Mapped[int | None]

    __table_args__ = (
        Index("ix_messages_status_scheduled_for", "status", "scheduled_for"),
        # Frequency caps count a debtor's recent contacts on a channel.
        Index("ix_messages_debtor_channel_attempted", "debtor_ref", "channel", "attempted_at"),
        # A resume finds what its pause parked; only parked rows are in it.
        Index(
            "ix_messages_parked_by", "parked_by",
            postgresql_where=text("parked_by IS NOT NULL"),
            sqlite_where=text("parked_by IS NOT NULL"),
        ),
        # The workspace's search by day of contact (workspace/search.py, migration 0020).
        Index("ix_messages_contact_time", text("coalesce(attempted_at, scheduled_for)")),
        Index(
            "ix_messages_visit_day",
            text("substr(variables ->> 'visit_at', 1, 10)"),
            postgresql_where=text("(variables ->> 'visit_at') IS NOT NULL"),
            sqlite_where=text("(variables ->> 'visit_at') IS NOT NULL"),
        ),
    )


class MessageEvent(Base):
    """An append-only record of one state change of one message."""

    __tablename__ = "message_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id"), index=True)
    at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(16))  # api, worker, webhook, sweep
    status: Mapped[str] = mapped_column(String(16))  # the status the message moved to
    detail: Mapped[dict[str, Any]]


class Hold(Base):
    """Something that stops contact, for one debtor or one destination, on one or all channels.

    Kinds: opt_out, cease, dispute, attorney, bankruptcy, deceased, do_not_visit,
    no_work_contact. A hold is lifted, never deleted, so the log shows when it applied.
    """

    __tablename__ = "holds"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str | None] = mapped_column(String(16))  # None: every channel
    destination: Mapped[str | None] = mapped_column(String(64))  # None: the whole debtor
    debtor_ref: Mapped[str | None] = mapped_column(String(100), index=True)
    set_by: Mapped[str] = mapped_column(String(100))  # "api:compliance-7", "inbound-sms", ...
    source: Mapped[str] = mapped_column(
        String(64)
    )  # "api", "inbound:STOP", "provider:twilio:21610"
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    lifted_at: Mapped[datetime | None]
    lifted_by: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (
        Index("ix_holds_destination_channel", "destination", "channel"),
        Index("ix_holds_lifted_at", "lifted_at"),  # outbound events read lifts by time
    )


class Debtor(Base):
    """What the contact rules need to know about a debtor (the rest lives with the business)."""

    __tablename__ = "debtors"

    debtor_ref: Mapped[str] = mapped_column(String(100), primary_key=True)
    locale: Mapped[str | None] = mapped_column(String(10))
    time_zone: Mapped[str | None] = mapped_column(String(64))  # IANA name, if known
    country: Mapped[str | None] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    region: Mapped[str | None] = mapped_column(String(8))  # state or province code ("MA")
    packs: Mapped[list[str] | None] = mapped_column(JsonDocument)  # None: from country/region
    # The debtor agreed to contact outside the usual hours until then (where packs allow it).
    agreed_contact_until: Mapped[datetime | None]
    # Times the debtor said are inconvenient, local: [{"weekdays": [0..6], "start": "15:00",
    # "end": "17:00"}] (Monday is 0; an end before the start runs past midnight).
    inconvenient_times: Mapped[list[dict[str, Any]] | None] = mapped_column(JsonDocument)
    # What the debtor asked for (dispatcher/preferences; every change in preference_changes):
    # the channel they prefer (advisory) and the language templates default to.
    preferred_channel: Mapped[str | None] = mapped_column(String(16))
    preferred_locale: Mapped[str | None] = mapped_column(String(10))
    # The debtor's numbers: [{"number": E.164, "type": "mobile" | "home" | "work" | "other",
    # "consent": bool (prior express consent to automated calls and texts), "consent_at"?}].
    phones: Mapped[list[dict[str, Any]] | None] = mapped_column(JsonDocument)
    # Where the debtor lives: {"lines": [...], "postal_code", "country", "region"}.
    address: Mapped[dict[str, Any] | None]
    updated_at: Mapped[datetime]


class PreferenceChange(Base):
    """One change of a debtor's stated preferences: who, why, from what, to what. Appended,
    never updated (12 CFR 1006.6(b)(1): what the debtor said, and when, is evidence)."""

    __tablename__ = "preference_changes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    debtor_ref: Mapped[str] = mapped_column(String(100), index=True)
    at: Mapped[datetime]
    by: Mapped[str] = mapped_column(String(100))  # "strategy:key-1", "collector:c-17"
    source: Mapped[str] = mapped_column(String(64))  # "api", "disposition:<message id>"
    reason: Mapped[str] = mapped_column(Text)
    # {field: {"from": old, "to": new}} for each preference that changed.
    changes: Mapped[dict[str, Any]]


class Account(Base):
    """One debt of a debtor, as the strategy module last reported it (upserted, never deleted)."""

    __tablename__ = "accounts"

    debtor_ref: Mapped[str] = mapped_column(String(100), primary_key=True)
    account_ref: Mapped[str] = mapped_column(String(100), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(String(3))  # ISO 4217
    days_overdue: Mapped[int]
    updated_at: Mapped[datetime]


class Collector(Base):
    """A person who may call debtors or visit them, once trained (the seed's rule)."""

    __tablename__ = "collectors"

    collector_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(200))  # E.164, or a sip: address
    team: Mapped[str | None] = mapped_column(String(100))  # team or agency
    trained_on: Mapped[date | None]  # training passed on this date
    credential_expires: Mapped[date | None]  # the credential is valid through this date
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime]


class TemplateApproval(Base):
    """Compliance approved (or revoked) one template version over the API.

    The latest row for a version wins over ``templates/approvals.toml``: a revocation here
    stops a version the file approves. Rows are appended, never updated. The marks
    (lawful action, allowed after a cease) stay in the reviewed file, by template name.
    """

    __tablename__ = "template_approvals"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    locale: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(16))
    approved: Mapped[bool] = mapped_column(Boolean)  # False: a revocation
    by: Mapped[str] = mapped_column(String(100))  # "compliance:ann"
    at: Mapped[datetime]
    reason: Mapped[str | None] = mapped_column(Text)


class ApiKey(Base):
    """A key to the HTTP API. Only the SHA-256 of its secret is kept; the secret is shown once."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)  # who holds it: "ops-alice"
    role: Mapped[str] = mapped_column(String(16))  # strategy, collector, compliance, admin
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)  # hex SHA-256 of the secret
    prefix: Mapped[str] = mapped_column(String(16))  # the secret's start, to tell keys apart
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(100))
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(100))


class AuditRead(Base):
    """A person read (part of) the contact log: who, whose records, when, with what filters."""

    __tablename__ = "audit_reads"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True)
    reader: Mapped[str] = mapped_column(String(100))  # the key's role and name, "compliance:bo"
    action: Mapped[str] = mapped_column(String(32))  # message.read, messages.list, audit.export
    debtor_ref: Mapped[str | None] = mapped_column(String(100), index=True)  # None: any debtor
    message_id: Mapped[str | None] = mapped_column(String(26))
    filters: Mapped[dict[str, Any]]
    rows: Mapped[int | None]  # how many records were returned (None: not known yet)


class Pause(Base):
    """An emergency stop of sending: everything, one channel or one campaign, until lifted."""

    __tablename__ = "pauses"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(16))  # all, channel, campaign
    target: Mapped[str | None] = mapped_column(String(100))  # the channel or campaign; None: all
    reason: Mapped[str] = mapped_column(Text)
    paused_by: Mapped[str] = mapped_column(String(100))
    paused_at: Mapped[datetime]
    lifted_at: Mapped[datetime | None] = mapped_column(index=True)
    lifted_by: Mapped[str | None] = mapped_column(String(100))
    lift_reason: Mapped[str | None] = mapped_column(Text)


class InboundMessage(Base):
    """An inbound SMS as Twilio delivered it, recorded in the transaction that applied it.

    One row per ``MessageSid``: a replay finds its row and changes nothing (it is counted).
    Only the keyword is kept, never the rest of a reply's text.
    """

    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    message_sid: Mapped[str] = mapped_column(String(64), unique=True)  # Twilio's "SM…"
    sender: Mapped[str] = mapped_column(String(64), index=True)  # From: E.164 or a short code
    recipient: Mapped[str] = mapped_column(String(64))  # To: our number
    keyword: Mapped[str | None] = mapped_column(String(8))  # STOP, START, HELP; None: other
    word: Mapped[str | None] = mapped_column(String(32))  # the keyword as matched: "退订"
    received_at: Mapped[datetime]  # its first arrival
    applied: Mapped[str] = mapped_column(String(32))  # what it did: see api/inbound.py
    hold_ids: Mapped[list[int]] = mapped_column(JsonDocument)  # the holds it set, kept or lifted
    replays: Mapped[int] = mapped_column(default=0)  # later arrivals of the same MessageSid
    last_replay_at: Mapped[datetime | None]


class AuditLeaf(Base):
    """One sealed entry of the contact log's Merkle tree (dispatcher/proof): the hash of
    one event's canonical bytes, at its place in the tree. Written once, never changed."""

    __tablename__ = "audit_leaves"

    leaf_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # The sealed kind (dispatcher/proof/kinds.py) and its row's id in the kind's table.
    kind: Mapped[str] = mapped_column(String(40), default="message_event")
    event_id: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(default=1)  # the leaf format (1: personal data inside)
    # Version 2: the debtor secret the personal fields were committed under, and the
    # commitment itself (kept so that the leaf still re-derives once the secret is destroyed).
    secret_id: Mapped[int | None] = mapped_column(BigInteger)
    commitment: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))

    __table_args__ = (UniqueConstraint("kind", "event_id", name="uq_audit_leaves_kind_event_id"),)


class AuditCheckpoint(Base):
    """A signed tree head: the tree of the first ``tree_size`` leaves had this root, and
    the previous checkpoint had this hash (a chain). See dispatcher/proof/checkpoint.py."""

    __tablename__ = "audit_checkpoints"

    number: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    tree_size: Mapped[int] = mapped_column(BigInteger, index=True)  # seal status (0020)
    root_hash: Mapped[str] = mapped_column(String(64))  # hex
    previous_hash: Mapped[str] = mapped_column(String(64), unique=True)  # one successor each
    at: Mapped[datetime]
    last_event_id: Mapped[int] = mapped_column(BigInteger)  # the highest event id sealed
    gaps: Mapped[list[int]] = mapped_column(JsonDocument)  # ids never committed (rolled back)
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(100))  # base64 Ed25519 over the body
    # Roots of the perfect subtrees so far, for the next seal to append; not trusted by verify.
    frontier: Mapped[list[str]] = mapped_column(JsonDocument)
    # Every sealed kind's cursor: {kind: {"last": id, "gaps": [...]}} (None: before 0012).
    cursors: Mapped[dict[str, Any] | None]


class DebtorSecret(Base):
    """The key a debtor's personal fields are committed under in sealed leaves (HMAC-SHA256).
    Retention destroys it (``secret`` set to None): the leaves stay verifiable, and what
    they committed to can no longer be tested against a guess (crypto-shredding)."""

    __tablename__ = "debtor_secrets"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    debtor_ref: Mapped[str] = mapped_column(String(100), index=True)  # "": no debtor
    secret: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime]
    destroyed_at: Mapped[datetime | None]


# Rooms with tables of their own declare them on this Base in their package; importing
# them here puts every table in Base.metadata, which migrations are checked against.
from dispatcher.risk_flags import models as _risk_flag_models  # noqa: E402, F401
from dispatcher.stats import models as _stats_models  # noqa: E402, F401
