"""Logging, set up once per process: one line per event, JSON for machines.

    configure_logging(verbose=False, fmt="json")

Every record goes through structlog on one stderr handler: the project's
``logging.getLogger(__name__)`` calls and the libraries' (arq, aiohttp, the SDKs) alike.
Each line has ``timestamp`` (UTC, ISO 8601), ``level``, ``logger`` and ``event`` (the
message), plus:

- ``message_id`` where the line is about one message: passed as
  ``extra={"message_id": ...}``, bound with ``structlog.contextvars``, or else the first
  message id (a ULID) in the text — which is how arq's job lines and the sweep's get it;
- any other ``extra={...}`` fields, and ``exception`` (the traceback, in the same line).

``fmt`` is ``LOG_FORMAT``: ``json`` (one JSON object per line), ``console`` (aligned
``key=value`` text for a person) or ``auto`` — the default: console when stderr is a
terminal, JSON otherwise (systemd, containers, files).

Secrets are never printed: the Twilio SDK's request loggers stay at WARNING even with
``-v`` (at INFO they log every request's headers), fields named like a token, password,
secret or key are masked, and so are passwords in URLs and ``Basic``/``Bearer`` credentials
in any text.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any, Literal, TextIO

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from dispatcher.errors import InvalidRequest
from dispatcher.settings import Settings

__all__ = [
    "LOG_FORMATS", "LogFormat", "configure_cli_logging", "configure_logging", "mask_text",
]  # fmt: skip

LogFormat = Literal["json", "console"]
LOG_FORMATS = ("json", "console", "auto")

# Loggers held at WARNING whatever the level: the Twilio SDK logs each request's headers
# and parameters at INFO (its async client under its own name); aiosqlite logs every
# statement it runs at DEBUG, which drowns -v.
QUIET_LOGGERS = {
    "twilio.http_client": logging.WARNING,
    "twilio.async_http_client": logging.WARNING,
    "aiosqlite": logging.INFO,
}
# One line per HTTP request (the access log) only with -v: by default the server logs
# what happened, not every probe and batch that asked.
QUIET_UNLESS_VERBOSE = {"aiohttp.access": logging.WARNING}
# Commands that run for a long time log at INFO; the ones that print their own report
# for a person (demo, migrate, keys, compliance) show warnings only, unless -v.
SERVICE_COMMANDS = frozenset({"worker", "serve"})

_ULID = re.compile(r"(?<![0-9A-Za-z])[0-7][0-9A-HJKMNP-TV-Z]{25}(?![0-9A-Za-z])")
_SECRET_KEY = re.compile(r"token|password|passwd|secret|authorization|api_?key", re.IGNORECASE)
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s]+(?=@)", re.IGNORECASE)
_CREDENTIALS = re.compile(r"\b(?P<scheme>Basic|Bearer)\s+[A-Za-z0-9+/=._~-]+", re.IGNORECASE)
MASK = "***"


def configure_cli_logging(command: str, *, verbose: bool) -> None:
    """Logging for one ``dispatcher`` command, in the format ``LOG_FORMAT`` asks for."""
    level = logging.INFO if command in SERVICE_COMMANDS else logging.WARNING
    configure_logging(verbose, _format_from_settings(), level=level)


def configure_logging(
    verbose: bool = False,
    fmt: LogFormat = "json",
    *,
    level: int = logging.INFO,
    stream: TextIO | None = None,
) -> None:
    """Route structlog and the standard library's records to ``stream`` (default stderr),
    one line each; ``verbose`` logs at DEBUG (but never the Twilio SDK's requests)."""
    stream = stream or sys.stderr
    shared = _shared_processors()
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            structlog.stdlib.PositionalArgumentsFormatter(),
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = _OneLinePerEvent(stream)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.ExtraAdder(), *shared],
            processors=_rendering(fmt, colors=stream.isatty()),
        )
    )
    root = logging.getLogger()
    for previous in [h for h in root.handlers if isinstance(h, _OneLinePerEvent)]:
        root.removeHandler(previous)  # configured again (tests): replace, never duplicate
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else level)
    for name, floor in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(floor)
    for name, floor in QUIET_UNLESS_VERBOSE.items():
        logging.getLogger(name).setLevel(logging.NOTSET if verbose else floor)


class _OneLinePerEvent(logging.StreamHandler[TextIO]):
    """The handler ``configure_logging`` installs (and replaces when called again)."""


def _format_from_settings() -> LogFormat:
    try:
        wanted = str(Settings.one_from_env("log_format"))
    except InvalidRequest as exc:
        wanted = "auto"
        print(f"dispatcher: {exc}; logging as for LOG_FORMAT=auto", file=sys.stderr)
    if wanted == "auto":
        return "console" if sys.stderr.isatty() else "json"
    return "console" if wanted == "console" else "json"


def _shared_processors() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _message_id_from_text,
        _mask_secrets,
    ]


def _rendering(fmt: LogFormat, *, colors: bool) -> list[Processor]:
    if fmt == "console":
        return [
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.dev.ConsoleRenderer(colors=colors),
        ]
    return [
        structlog.stdlib.ProcessorFormatter.remove_processors_meta,
        structlog.processors.format_exc_info,
        _mask_secrets,  # a traceback's text, too
        structlog.processors.JSONRenderer(),
    ]


def _message_id_from_text(
    logger: WrappedLogger, method_name: str, event_dict: EventDict
) -> EventDict:
    """``message_id``: given, else the first message id (a ULID) the event's text names."""
    if "message_id" not in event_dict:
        found = _ULID.search(str(event_dict.get("event", "")))
        if found:
            event_dict["message_id"] = found.group(0)
    return event_dict


def _mask_secrets(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
    _mask_mapping(event_dict)
    return event_dict


def _mask_mapping(values: MutableMapping[str, Any]) -> None:
    for key, value in values.items():
        if _SECRET_KEY.search(key) and value:
            values[key] = MASK
        elif isinstance(value, str):
            values[key] = mask_text(value)
        elif isinstance(value, MutableMapping):
            _mask_mapping(value)
        elif isinstance(value, list | tuple):
            values[key] = [mask_text(v) if isinstance(v, str) else v for v in value]


def mask_text(text: str) -> str:
    """``text`` with URL passwords and Basic/Bearer credentials replaced by ``***``."""
    text = _URL_PASSWORD.sub(lambda m: m.group("head") + MASK, text)
    return _CREDENTIALS.sub(lambda m: f"{m.group('scheme')} {MASK}", text)
