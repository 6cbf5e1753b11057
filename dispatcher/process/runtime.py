"""Process-level wiring shared by the CLI commands: settings, Redis, migrations."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from dispatcher.process.embedded_redis import EmbeddedRedis
from dispatcher.settings import Settings

__all__ = ["redis_url_for"]

log = logging.getLogger(__name__)


@contextlib.contextmanager
def redis_url_for(settings: Settings) -> Iterator[str]:
    """``REDIS_URL`` if set; otherwise an embedded Redis for as long as the block runs."""
    if settings.redis_url:
        yield settings.redis_url
        return
    embedded = EmbeddedRedis(settings.data_dir)
    url = embedded.start()
    log.info("no REDIS_URL: using the embedded Redis at %s", url)
    try:
        yield url
    finally:
        embedded.stop()
