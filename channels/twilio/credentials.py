"""Does Twilio take our credentials? Asked the cheapest way: fetch our own account.

    credentials = TwilioCredentials(TwilioApi(sid, token))
    check = await credentials.current()     # asked at most once a minute
    check.state, check.detail               # "refused", "credentials refused (20003)"
                                            # "unverified", "unverified (network)"

The answer is one of:

- ``ok``: Twilio answered with our account;
- ``refused``: Twilio answered with a 4xx (20003: wrong SID or auth token; a suspended
  or closed account) — every text and call will fail the same way until an operator acts;
- ``unverified``: no answer that says either way (network, timeout, 5xx, 429). A send
  may still go through: only a refusal makes health degrade.

Each new answer is logged: a refusal at ERROR, once per change of answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from channels.base import ChannelError, PermanentChannelError
from channels.twilio.client import TwilioApi

__all__ = ["CredentialsCheck", "TwilioCredentials", "check_credentials"]

log = logging.getLogger(__name__)

State = Literal["ok", "refused", "unverified"]


@dataclass(frozen=True)
class CredentialsCheck:
    state: State
    detail: str  # what /healthz shows, e.g. "credentials refused (20003)"

    @property
    def refused(self) -> bool:
        return self.state == "refused"


async def check_credentials(api: TwilioApi) -> CredentialsCheck:
    """Fetch our account resource (GET /2010-04-01/Accounts/{sid}.json): no side effect."""
    try:
        async with api.request() as client:
            await client.api.v2010.accounts(api.account_sid).fetch_async()
    except PermanentChannelError as exc:
        return CredentialsCheck("refused", f"credentials refused ({exc.code})")
    except ChannelError as exc:
        return CredentialsCheck("unverified", f"unverified ({exc.code})")
    return CredentialsCheck("ok", "ok")


class TwilioCredentials:
    """The last answer, asked again once older than ``max_age_s``; one question at a time."""

    def __init__(
        self,
        api: TwilioApi,
        *,
        max_age_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._api = api
        self._max_age_s = max_age_s
        self._clock = clock
        self._last: CredentialsCheck | None = None
        self._asked_at = 0.0
        self._lock = asyncio.Lock()
        self._refresh: asyncio.Task[CredentialsCheck] | None = None

    async def current(self) -> CredentialsCheck:
        """The answer, asked again first if it is missing or stale."""
        async with self._lock:
            if self._last is None or self._stale():
                self._remember(await check_credentials(self._api))
            assert self._last is not None
            return self._last

    async def latest(self) -> CredentialsCheck:
        """The last answer at once (a stale one is asked again in the background, so a
        health probe never waits on Twilio); only the very first answer is waited for."""
        if self._last is None:
            return await self.current()
        if self._stale() and (self._refresh is None or self._refresh.done()):
            self._refresh = asyncio.create_task(self.current())
        return self._last

    async def aclose(self) -> None:
        if self._refresh is not None:
            self._refresh.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refresh
        await self._api.aclose()

    def _stale(self) -> bool:
        return self._clock() - self._asked_at >= self._max_age_s

    def _remember(self, check: CredentialsCheck) -> None:
        changed = self._last != check
        self._last, self._asked_at = check, self._clock()
        if not changed:
            return
        sid = self._api.account_sid
        if check.refused:
            log.error(
                "Twilio refused our credentials for account %s: %s; every text and call "
                "will fail until TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are put right",
                sid, check.detail,
            )  # fmt: skip
        elif check.state == "unverified":
            log.warning("Twilio credentials for account %s: %s", sid, check.detail)
        else:
            log.info("Twilio accepts our credentials for account %s", sid)
