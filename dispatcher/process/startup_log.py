"""What a starting worker says about itself: one INFO line, where it works, no secrets.

{"event": "worker started", "queue": "arq:queue", "redis": "redis://10.0.0.7:6379/0",
 "database": "postgresql+asyncpg://dispatcher@db1/collections",
 "channels": {"sms": "twilio", "voice": "twilio", "letter": "print_room", ...}, ...}
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from channels.base import Channel
from dispatcher.settings import Settings

__all__ = ["database_location", "log_worker_start", "redis_location"]

log = logging.getLogger(__name__)


def log_worker_start(
    settings: Settings, *, redis_url: str, queue: str, channels: Mapping[str, Channel]
) -> None:
    log.info(
        "worker started",
        extra={
            "queue": queue,
            "redis": redis_location(redis_url),
            "database": database_location(settings.effective_database_url),
            "channels": {str(kind): channel.provider for kind, channel in channels.items()},
        },
    )


def redis_location(url: str) -> str:
    """``url`` without its user name and password (in the address or the query)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query) if k.lower() not in {"password", "username"}]
    )
    return f"{parts.scheme}://{netloc}{parts.path}" + (f"?{query}" if query else "")


def database_location(url: str) -> str:
    """``url`` without its password; the user name stays (it says which role connects)."""
    try:
        return make_url(url)._replace(password=None).render_as_string(hide_password=False)
    except ArgumentError:
        return "(a database URL that cannot be parsed)"
