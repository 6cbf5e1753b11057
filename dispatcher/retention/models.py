"""Retention's tables: policies, account closures, runs in progress, and certificates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from dispatcher.contactlog.models import Base, BigId, JsonDocument

__all__ = [
    "RetentionCertificate",
    "RetentionClosure",
    "RetentionPolicy",
    "RetentionProgress",
    "RetentionRun",
]


class RetentionPolicy(Base):
    """Keep a portfolio's or a debtor's records ``keep_days`` after the account closed
    (never less than the packs' minimum record-keeping periods)."""

    __tablename__ = "retention_policies"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)  # portfolio, debtor
    ref: Mapped[str] = mapped_column(String(100), primary_key=True)
    keep_days: Mapped[int]
    set_by: Mapped[str] = mapped_column(String(100))
    set_at: Mapped[datetime]


class RetentionClosure(Base):
    """The debtor's account closed (the project ended) then: the retention clock starts."""

    __tablename__ = "retention_closures"

    debtor_ref: Mapped[str] = mapped_column(String(100), primary_key=True)
    portfolio: Mapped[str | None] = mapped_column(String(100))
    closed_at: Mapped[datetime]
    set_by: Mapped[str] = mapped_column(String(100))
    set_at: Mapped[datetime]


class RetentionRun(Base):
    """A destruction run: its plan, fixed when it started, and where it got to."""

    __tablename__ = "retention_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    started_at: Mapped[datetime]
    by: Mapped[str] = mapped_column(String(100))
    plan: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument)
    finished_at: Mapped[datetime | None]
    certificate_id: Mapped[int | None] = mapped_column(BigInteger)


class RetentionProgress(Base):
    """One debtor of a run erased, in the transaction that erased it (resuming skips it)."""

    __tablename__ = "retention_progress"

    run_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    debtor_ref: Mapped[str] = mapped_column(String(100), primary_key=True)
    rows: Mapped[dict[str, Any]]
    done_at: Mapped[datetime]


class RetentionCertificate(Base):
    """What a run destroyed, under which policy, by whom: appended once, sealed."""

    __tablename__ = "retention_certificates"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    by: Mapped[str] = mapped_column(String(100))
    run_id: Mapped[int] = mapped_column(BigInteger)
    debtors: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument)  # ref, policy, due
    rows: Mapped[dict[str, Any]]  # rows erased, by table
