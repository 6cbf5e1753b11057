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
    """The first SIGTERM or SIGINT stops taking new work and lets requests under way finish
    (within WEBHOOK_TIMEOUT_S); a second one stops at once (they are sent again later)."""
    engine = create_engine(settings.effective_database_url)
    await upgrade(engine)
    stop = asyncio.Event()
    main = asyncio.current_task()
    assert main is not None

    def on_signal() -> None:
        if stop.is_set():
            main.cancel()
        stop.set()

    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, on_signal)
    try:
        async with Deliverer(engine, settings) as deliverer:
            log.info("webhooks: delivering (every %.1f s)", settings.webhook_poll_s)
            await deliverer.run(stop)
    except asyncio.CancelledError:
        log.warning("webhooks: stopped at once; requests under way are sent again later")
    finally:
        await engine.dispose()
