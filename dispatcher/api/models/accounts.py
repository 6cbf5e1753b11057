"""A debtor's account (strategy): what is owed, in which currency, how long overdue."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field, PlainSerializer

from dispatcher.api.models.base import Body, Shown, Stamp

__all__ = ["Account", "AccountRequest"]


class AccountRequest(Body):
    amount: Annotated[
        str,
        Field(pattern=r"^-?[0-9]{1,16}(\.[0-9]{1,2})?$", description="Exact decimal, e.g. 3250.00"),
    ]
    currency: Annotated[str, Field(pattern="^[A-Z]{3}$", description="ISO 4217")]
    days_overdue: Annotated[int, Field(ge=0, le=36500)]


class Account(Shown):
    debtor_ref: str
    account_ref: str
    amount: Annotated[Decimal, PlainSerializer(str, return_type=str)]
    currency: str
    days_overdue: int
    updated_at: Stamp
