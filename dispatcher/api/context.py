"""What every API handler works with, built once when the app is made."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from dispatcher.client import DispatcherClient
from dispatcher.contactlog.audit import AuditLog
from dispatcher.contactlog.keys import ApiKeyStore
from dispatcher.pauses.state import PauseStore
from dispatcher.process.deps import Deps

__all__ = ["API", "Api"]


@dataclass
class Api:
    deps: Deps
    client: DispatcherClient  # the enqueue path the Python client uses, on the app's engine
    keys: ApiKeyStore
    pauses: PauseStore
    audit: AuditLog

    @classmethod
    def build(cls, deps: Deps) -> Api:
        engine, clock = deps.log.engine, deps.clock
        return cls(
            deps=deps,
            client=DispatcherClient(
                deps.settings, contact_log=deps.log, redis=deps.queue.redis, catalog=deps.catalog
            ),
            keys=ApiKeyStore(engine, clock),
            pauses=PauseStore(engine, clock, deps.queue),  # a resume queues what it releases
            audit=AuditLog(engine, clock),
        )


API = web.AppKey("api", Api)
