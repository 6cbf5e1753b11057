"""The risk flags' table: one row per change (set, cleared, reviewed), appended, never
updated; a flag's state is read from its rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dispatcher.contactlog.models import Base, BigId

__all__ = ["RISK_FLAG_ACTIONS", "RiskFlagEvent"]

RISK_FLAG_ACTIONS = ("set", "cleared", "reviewed")


class RiskFlagEvent(Base):
    __tablename__ = "risk_flag_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    debtor_ref: Mapped[str] = mapped_column(String(100))
    flag: Mapped[str] = mapped_column(String(32))  # compliance.packs.RISK_FLAGS
    action: Mapped[str] = mapped_column(String(16))  # set, cleared, reviewed
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(100))  # "compliance:cp-1", a person's login
    actor_role: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]

    __table_args__ = (Index("ix_risk_flag_events_debtor_ref_id", "debtor_ref", "id"),)
