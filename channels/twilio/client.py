"""The Twilio SDK's asyncio client, as both our Twilio channels use it.

Built on first use (its aiohttp session needs a running event loop), closed once by
``aclose()``. The SDK's own retries stay off — the pipeline decides what to do from the
channel error ``request()`` raises (see ``errors``: transient, permanent or ambiguous).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.rest import Client

from channels.base import AmbiguousChannelError
from channels.twilio.errors import channel_error_from_twilio, network_error
from channels.twilio.http import TwilioHttpClient

__all__ = ["TwilioApi"]


class TwilioApi:
    """``api_base_url`` replaces ``https://api.twilio.com`` (a fake or Prism, in tests);
    ``timeout_s`` bounds a whole request: connect, request and response."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        api_base_url: str | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        if not account_sid or not auth_token:
            raise ValueError("Twilio needs an account SID and an auth token")
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be positive, not {timeout_s}")
        self.account_sid = account_sid
        self._auth_token = auth_token
        self._api_base_url = api_base_url.rstrip("/") if api_base_url else None
        self._timeout_s = timeout_s
        self._client: Client | None = None
        self._http: TwilioHttpClient | None = None
        self._closed = False

    def __repr__(self) -> str:  # never show the auth token
        return f"TwilioApi(account_sid={self.account_sid!r})"

    @asynccontextmanager
    async def request(self) -> AsyncIterator[Client]:
        """The client, for one request; Twilio's and the network's errors become ours."""
        client = self._get_client()
        try:
            async with asyncio.timeout(self._timeout_s):
                yield client
        except (TwilioRestException, TwilioServiceException) as exc:
            raise channel_error_from_twilio(exc) from exc
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise network_error(exc) from exc
        except json.JSONDecodeError as exc:
            # A 2xx Twilio could not describe: it may well have created the resource.
            raise AmbiguousChannelError("bad_response", f"Twilio answered non-JSON: {exc}") from exc

    async def aclose(self) -> None:
        """Close the SDK's HTTP session. No request can be made afterwards."""
        self._closed = True
        http, self._http, self._client = self._http, None, None
        if http is not None:
            await http.close()

    def _get_client(self) -> Client:
        if self._closed:
            raise RuntimeError("the Twilio channel is closed")
        if self._client is None:
            # No aiohttp_retry wrapper (we retry at the job level). The SDK ignores the
            # http client's own timeout on async requests (it passes timeout=None to
            # aiohttp), hence asyncio.timeout() in request().
            http = TwilioHttpClient()
            client = Client(self.account_sid, self._auth_token, http_client=http)
            # Configuration comes from our settings only: no TWILIO_EDGE / TWILIO_REGION
            # from the environment rewriting hostnames.
            client.edge = None
            client.region = None
            if self._api_base_url is not None:
                # URLs are "{api.base_url}/2010-04-01/Accounts/{sid}/Messages.json".
                client.api.base_url = self._api_base_url
            self._http, self._client = http, client
        return self._client
