"""People's accounts and sessions: argon2id password hashes, lock-out after repeated
failures, sessions as random tokens of which only the SHA-256 is stored.

Every sign-in, whether it succeeds or not, is written to the access log
(``audit_reads``, append-only) by the caller, with what ``sign_in`` answers.
"""

from __future__ import annotations

import enum
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatcher.clock import Clock
from dispatcher.errors import InvalidRequest
from dispatcher.workspace.access.roles import PersonRole
from dispatcher.workspace.models import Person, WorkspaceSession

__all__ = [
    "USERNAME", "PeopleStore", "PersonRecord", "SignIn", "SignInResult", "hash_token",
]  # fmt: skip

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
MIN_PASSWORD = 12
_PEOPLE = Person.__table__
_HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters
# Checked when the username is unknown, so that a wrong name costs as long as a wrong password.
_DUMMY_HASH = _HASHER.hash("no such person: this hash is never matched")


@dataclass(frozen=True)
class PersonRecord:
    id: int
    username: str
    display_name: str
    roles: frozenset[PersonRole]
    collector_id: str | None
    locale: str | None

    @property
    def label(self) -> str:
        """How the contact log names what this person did: ``person:ann``."""
        return f"person:{self.username}"

    def holds(self, *roles: PersonRole) -> bool:
        return bool(self.roles & set(roles))


class SignIn(enum.StrEnum):
    OK = "ok"
    WRONG = "wrong"  # unknown name or wrong password: the page says the same for both
    LOCKED = "locked"  # too many failures (for a while) or locked by an admin


@dataclass(frozen=True)
class SignInResult:
    outcome: SignIn
    person: PersonRecord | None = None
    token: str | None = None  # the session cookie's value (OK only)
    csrf_token: str | None = None


@dataclass(frozen=True)
class Lockout:
    failures: int
    duration: timedelta


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class PeopleStore:
    def __init__(
        self, engine: AsyncEngine, clock: Clock, *, lockout: Lockout, session_length: timedelta
    ) -> None:
        self.engine, self.clock = engine, clock
        self.lockout, self.session_length = lockout, session_length

    async def add(
        self,
        username: str,
        password: str,
        *,
        roles: set[PersonRole],
        display_name: str | None = None,
        collector_id: str | None = None,
        locale: str | None = None,
    ) -> PersonRecord:
        _check_username(username)
        _check_password(password)
        if not roles:
            raise InvalidRequest.of("roles", "give at least one role")
        if PersonRole.COLLECTOR in roles and not collector_id:
            raise InvalidRequest.of("collector_id", "a collector needs the collector id")
        now = self.clock.now()
        values = dict(
            username=username, display_name=display_name or username,
            roles=sorted(roles), collector_id=collector_id, locale=locale,
            password_hash=_HASHER.hash(password), created_at=now, updated_at=now,
        )  # fmt: skip
        try:
            async with self.engine.begin() as conn:
                new_id = (
                    await conn.execute(insert(Person).values(**values).returning(Person.id))
                ).scalar_one()
        except IntegrityError:
            raise InvalidRequest.of("username", f"{username!r} is taken") from None
        found = await self.by_id(int(new_id))
        assert found is not None
        return found

    async def set_password(self, username: str, password: str) -> None:
        _check_password(password)
        await self._update(username, password_hash=_HASHER.hash(password))

    async def lock(self, username: str, *, locked: bool = True) -> None:
        """Lock (or unlock) an account; locking ends its sessions at once."""
        person = await self._update(username, locked=locked, failed_sign_ins=0, locked_until=None)
        if locked:
            async with self.engine.begin() as conn:
                await conn.execute(
                    update(WorkspaceSession)
                    .where(
                        WorkspaceSession.person_id == person, WorkspaceSession.ended_at.is_(None)
                    )
                    .values(ended_at=self.clock.now())
                )

    async def set_locale(self, person_id: int, locale: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(update(Person).where(Person.id == person_id).values(locale=locale))

    async def sign_in(self, username: str, password: str) -> SignInResult:
        now = self.clock.now()
        async with self.engine.begin() as conn:
            # Locked for the transaction (PostgreSQL): parallel failures are all counted.
            mine = select(_PEOPLE).where(Person.username == username).with_for_update()
            row = (await conn.execute(mine)).first()
            if row is None:
                _verify(_DUMMY_HASH, password)
                return SignInResult(SignIn.WRONG)
            person = _record(row)
            if row.locked or (row.locked_until is not None and row.locked_until > now):
                return SignInResult(SignIn.LOCKED, person)
            if not _verify(row.password_hash, password):
                failures = row.failed_sign_ins + 1
                locked_until = None
                if failures >= self.lockout.failures:
                    failures, locked_until = 0, now + self.lockout.duration
                await conn.execute(
                    update(Person)
                    .where(Person.id == row.id)
                    .values(failed_sign_ins=failures, locked_until=locked_until)
                )
                outcome = SignIn.LOCKED if locked_until is not None else SignIn.WRONG
                return SignInResult(outcome, person)
            changes: dict[str, object] = {"failed_sign_ins": 0, "locked_until": None}
            if _HASHER.check_needs_rehash(row.password_hash):
                changes["password_hash"] = _HASHER.hash(password)
            await conn.execute(update(Person).where(Person.id == row.id).values(**changes))
            token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
            await conn.execute(
                insert(WorkspaceSession).values(
                    token_hash=hash_token(token), person_id=row.id, csrf_token=csrf,
                    created_at=now, expires_at=now + self.session_length,
                )
            )  # fmt: skip
        return SignInResult(SignIn.OK, person, token, csrf)

    async def session(self, token: str) -> tuple[PersonRecord, str] | None:
        """The person and the CSRF token of a live session, or None."""
        now = self.clock.now()
        async with self.engine.connect() as conn:
            found = (
                await conn.execute(
                    select(_PEOPLE, WorkspaceSession.csrf_token)
                    .join(WorkspaceSession, WorkspaceSession.person_id == Person.id)
                    .where(
                        WorkspaceSession.token_hash == hash_token(token),
                        WorkspaceSession.ended_at.is_(None),
                        WorkspaceSession.expires_at > now,
                        Person.locked.is_(False),
                    )
                )
            ).first()
        return None if found is None else (_record(found), found.csrf_token)

    async def sign_out(self, token: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                update(WorkspaceSession)
                .where(WorkspaceSession.token_hash == hash_token(token))
                .values(ended_at=self.clock.now())
            )

    async def by_id(self, person_id: int) -> PersonRecord | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(_PEOPLE).where(Person.id == person_id))).first()
        return None if row is None else _record(row)

    async def _update(self, username: str, **values: object) -> int:
        async with self.engine.begin() as conn:
            found = await conn.execute(
                update(Person)
                .where(Person.username == username)
                .values(**values, updated_at=self.clock.now())
                .returning(Person.id)
            )
            person_id = found.scalar_one_or_none()
        if person_id is None:
            raise InvalidRequest.of("username", f"no person is named {username!r}")
        return int(person_id)


def _record(row: Row[Any]) -> PersonRecord:
    return PersonRecord(
        id=row.id, username=row.username, display_name=row.display_name,
        roles=frozenset(PersonRole(r) for r in row.roles), collector_id=row.collector_id,
        locale=row.locale,
    )  # fmt: skip


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _check_username(username: str) -> None:
    if not USERNAME.fullmatch(username):
        raise InvalidRequest.of(
            "username", "2 to 64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit"
        )


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidRequest.of("password", f"at least {MIN_PASSWORD} characters")
