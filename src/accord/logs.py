"""Logging for the node and the command line, configured once from the settings.

- One pipeline: structlog's own events and stdlib records (uvicorn's included) go through the
  same processors and the same handler, as JSON lines (`ACCORD_LOG_FORMAT=json`) or as
  console lines, at `ACCORD_LOG_LEVEL`, on standard error.
- Tracebacks are plain text (console) or a dict (JSON), never with local variables: the
  locals of a request's frames hold bearer secrets, passwords and record content.
- Every event passes `redact` last before rendering: values under secret-looking keys and
  secret-looking values anywhere (a `Bearer …` header, `token=` in a query string, a JWS, a
  PEM block, our `acc_`/`acs_` bearer secrets) are replaced by `[redacted]`.
- Rendering and writing happen on a listener thread (`QueueHandler`): a request that logs a
  traceback hands the record over and goes on, so an error never stalls the event loop.
"""

from __future__ import annotations

import atexit
import logging
import logging.handlers
import queue
import re
import sys
from collections.abc import Mapping
from typing import IO, Any

import structlog
from structlog.tracebacks import ExceptionDictTransformer
from structlog.typing import EventDict, Processor, WrappedLogger

from accord.settings import Settings

__all__ = ["REDACTED", "configure_logging", "flush_logs", "redact", "redact_text"]

REDACTED = "[redacted]"

#: Keys whose values are secrets whatever they look like (compared in lower case, with `-`
#: read as `_`). A key ending in `_token`, `_secret`, `_password` or `_key` is one too.
_SECRET_KEYS = frozenset(
    {
        "authorization",
        "cookie",
        "set_cookie",
        "password",
        "new_password",
        "passwd",
        "secret",
        "token",
        "bearer",
        "credentials",
        "totp",
        "totp_code",
        "otp",
        "mfa_code",
        "recovery_code",
        "recovery_codes",
        "otpauth_uri",
        "private_key",
        "key",
        "signature",
    }
)
_SECRET_SUFFIXES = ("_token", "_secret", "_password", "_key")
#: `code` is a stable error code in most events; only a code that looks like a TOTP is secret.
_TOTP = re.compile(r"^\s*\d{6,8}\s*$")

_VALUE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # PEM blocks (private keys above all), whole.
    (
        re.compile(r"-----BEGIN [A-Z0-9 ]+-----.*?(?:-----END [A-Z0-9 ]+-----|$)", re.S),
        REDACTED,
    ),
    # An Authorization header value, in any case.
    (re.compile(r"(?i)\b(bearer|basic)\s+[^\s,;\"']+"), rf"\1 {REDACTED}"),
    # Our own bearer secrets: API tokens and access tokens.
    (re.compile(r"\bac[cs]_[A-Za-z0-9_-]{8,}"), REDACTED),
    # Compact JWS/JWT (header.payload.signature, payload possibly detached).
    (re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]{8,}"), REDACTED),
    # Recovery codes (accord.auth.recovery: four groups of four base32 characters).
    (re.compile(r"\b[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}\b"), REDACTED),
    # otpauth:// URIs carry the TOTP secret.
    (re.compile(r"(?i)otpauth://[^\s\"']+"), REDACTED),
    # name=value in query strings, form bodies and reprs: `?token=…`, `password='…'`.
    (
        re.compile(
            r"(?i)(\b(?:access_token|refresh_token|api_key|apikey|token|secret|password|passwd"
            r"|code|totp|otp|recovery_code|key|signature|sig)\s*=\s*)"
            r"('[^']*'|\"[^\"]*\"|[^\s&,;)\"']+)"
        ),
        rf"\1{REDACTED}",
    ),
    # "name": "value" in JSON texts and 'name': 'value' in Python reprs.
    (
        re.compile(
            r"""(?i)(["'](?:access_token|refresh_token|token|secret|password|new_password|totp"""
            r"""|recovery_code|recovery_codes|private_key|otpauth_uri|authorization)["']\s*:\s*)"""
            r"""("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\[[^\]]*\])"""
        ),
        rf'\1"{REDACTED}"',
    ),
    # A TOTP code under `code`: six to eight digits (other codes are error codes).
    (re.compile(r"""(?i)(["']code["']\s*:\s*)(["'])\d{6,8}\2"""), rf'\1"{REDACTED}"'),
)


def redact_text(text: str) -> str:
    """`text` with every secret-looking value replaced by `[redacted]`."""
    for pattern, replacement in _VALUE_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _secret_key(key: object) -> bool:
    if not isinstance(key, str):
        return False
    name = key.lower().replace("-", "_")
    return name in _SECRET_KEYS or name.endswith(_SECRET_SUFFIXES)


def _clean(value: Any, depth: int = 0) -> Any:
    if depth > 20:
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, bytes):
        return redact_text(value.decode("utf-8", "replace"))
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if _secret_key(k) or (k == "code" and isinstance(v, str) and _TOTP.match(v)):
                out[k] = REDACTED
            else:
                out[k] = _clean(v, depth + 1)
        return out
    if isinstance(value, list | tuple | set | frozenset):
        return [_clean(v, depth + 1) for v in value]
    return value


def redact(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """structlog processor: secrets out of every key and value (exceptions included, once
    they are rendered to text or dicts, so it runs after the exception processor)."""
    cleaned: EventDict = _clean(event_dict)
    return cleaned


def _capture_exc_info(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """`exc_info=True` means "the exception being handled now": take it in the thread that
    logs, since rendering happens later on the listener thread."""
    exc_info = event_dict.get("exc_info")
    if exc_info is True:
        event_dict["exc_info"] = sys.exc_info()
    elif isinstance(exc_info, BaseException):
        event_dict["exc_info"] = (type(exc_info), exc_info, exc_info.__traceback__)
    return event_dict


class _Handoff(logging.handlers.QueueHandler):
    """Hands the record to the listener thread as it is: the listener's formatter renders it
    (exception included), not the thread that logged."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        return record


_listener: logging.handlers.QueueListener | None = None
_queue: queue.Queue[logging.LogRecord] | None = None


def _stop_listener() -> None:
    global _listener
    if _listener is not None:
        _listener.stop()  # processes what is queued, then joins
        _listener = None


atexit.register(_stop_listener)


def flush_logs() -> None:
    """Wait until every record handed over so far is written."""
    if _queue is not None:
        _queue.join()
    for handler in logging.getLogger().handlers:
        handler.flush()


def _processors(fmt: str) -> tuple[list[Processor], list[Processor]]:
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]
    if fmt == "json":
        tail: list[Processor] = [
            structlog.processors.ExceptionRenderer(
                ExceptionDictTransformer(show_locals=False, use_rich=False)
            ),
            redact,
            structlog.processors.JSONRenderer(),
        ]
    else:
        tail = [
            structlog.processors.format_exc_info,
            redact,
            structlog.dev.ConsoleRenderer(
                colors=False,
                exception_formatter=structlog.dev.plain_traceback,
                sort_keys=False,
            ),
        ]
    return shared, tail


def configure_logging(settings: Settings, *, stream: IO[str] | None = None) -> None:
    """Configure structlog and stdlib logging from `settings`; may be called again (the
    last call wins). `stream`: where lines go (default standard error)."""
    global _listener, _queue
    _stop_listener()
    shared, tail = _processors(settings.log_format)
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *tail],
    )
    target = logging.StreamHandler(stream if stream is not None else sys.stderr)
    target.setFormatter(formatter)
    _queue = queue.Queue()
    _listener = logging.handlers.QueueListener(_queue, target, respect_handler_level=False)
    _listener.start()

    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(_Handoff(_queue))
    level = logging.getLevelNamesMapping()[settings.log_level]
    root.setLevel(level)
    # uvicorn's loggers keep no handlers of their own: their records take the same way.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi"):
        named = logging.getLogger(name)
        named.handlers.clear()
        named.propagate = True
        named.setLevel(logging.NOTSET)
    # The HTTP client logs every call, and alembic every migration check, at INFO; their
    # warnings are enough.
    for name in ("httpx", "httpcore", "alembic"):
        logging.getLogger(name).setLevel(max(level, logging.WARNING))

    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            _capture_exc_info,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
