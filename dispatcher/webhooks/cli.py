"""``dispatcher webhooks``: run the deliverer until SIGTERM or Ctrl-C (see deliverer.py)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal

from dispatcher.contactlog.database import create_engine
from dispatcher.contactlog.migrate import upgrade
from dispatcher.settings import Settings
from dispatcher.webhooks.deliverer import Deliverer

__all__ = ["add_webhooks_parser", "run_webhooks"]

log = logging.getLogger(__name__)


def add_webhooks_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    commands.add_parser(
        "webhooks", help="deliver outbound events to the subscriptions (a process of its own)"
    )


def run_webhooks(settings: Settings) -> int:
    asyncio.run(_deliver(settings))
    return 0


async def _deliver(settings: Settings) -> None:
    engine = create_engine(settings.effective_database_url)
    await upgrade(engine)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        async with Deliverer(engine, settings) as deliverer:
            log.info("webhooks: delivering (every %.1f s)", settings.webhook_poll_s)
            await deliverer.run(stop)
    finally:
        await engine.dispose()
