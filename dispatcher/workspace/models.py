"""The workspace's tables: people who sign in, their sessions, and which debtors each
collector may see. Sign-ins and reads are logged in ``audit_reads`` (append-only)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dispatcher.contactlog.models import Base, BigId, JsonDocument

__all__ = ["DebtorAssignment", "Person", "TemplateText", "WorkspaceSession"]


class Person(Base):
    """Someone who signs in to the workspace (programs use API keys instead)."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(JsonDocument)  # compliance, collector, ...
    # A collector's person is the collector of this id (whose team or agency it names).
    collector_id: Mapped[str | None] = mapped_column(String(100))
    locale: Mapped[str | None] = mapped_column(String(10))  # the person's choice of language
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id, with its parameters
    failed_sign_ins: Mapped[int] = mapped_column(default=0)  # in a row; reset on success
    locked_until: Mapped[datetime | None]  # locked out after too many failures
    locked: Mapped[bool] = mapped_column(Boolean, default=False)  # locked by an admin
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class WorkspaceSession(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is kept."""

    __tablename__ = "workspace_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(BigId, ForeignKey("people.id"))
    csrf_token: Mapped[str] = mapped_column(String(64))  # every form of the session carries it
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]  # signed out (or locked by an admin)


class DebtorAssignment(Base):
    """A collector may see this debtor (collectors see nothing else)."""

    __tablename__ = "debtor_assignments"

    debtor_ref: Mapped[str] = mapped_column(String(100), primary_key=True)
    collector_id: Mapped[str] = mapped_column(String(100), primary_key=True, index=True)
    assigned_by: Mapped[str] = mapped_column(String(100))
    assigned_at: Mapped[datetime]


class TemplateText(Base):
    """The text of each template version the workspace has seen, kept so that a new
    version can be shown as a diff against the approved one after its file has changed."""

    __tablename__ = "template_texts"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    locale: Mapped[str] = mapped_column(String(10), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    version: Mapped[str] = mapped_column(String(16), primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    seen_at: Mapped[datetime]
