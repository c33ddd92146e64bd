"""structlog set-up shared by every process.

- JSON lines in production, a readable console when stderr is a terminal.
- One redaction processor: every configured API key value (read from the env vars the
  catalogue names) and anything shaped like a bearer token is replaced before rendering.
- Tracebacks never carry local variables (structlog's dict_tracebacks shows them by default,
  and locals are where keys live).
- Logging never raises into business code: a processor failure drops the field, not the call.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, MutableMapping
from typing import Any

import structlog
from structlog.tracebacks import ExceptionDictTransformer

# Narrower than shared.errors.sanitize on purpose: log lines carry run/cell keys such as
# `r20261128…q1.s1.sim-qwen`, which its "any 32+ character token" rule would hide. Known key
# values are replaced exactly (Redactor.add); these shapes catch keys nobody registered.
_TOKEN_SHAPES = re.compile(
    r"(?i)(bearer\s+[a-z0-9._~+/=-]{8,}|sk-[a-z0-9_-]{8,}|x-api-key[\"':= ]+[a-z0-9._-]{8,}|key=[a-z0-9._-]{16,})"
)
REDACTED = "[redacted]"


class Redactor:
    """Replaces known secret values and token-shaped strings in every string field."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def add(self, secret: str | None) -> None:
        if secret and len(secret) >= 4 and secret not in self._secrets:
            self._secrets.append(secret)
            self._secrets.sort(key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return _TOKEN_SHAPES.sub(REDACTED, text)

    def _walk(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, dict):
            return {k: self._walk(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._walk(v) for v in value]
        return value

    def __call__(self, _logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        for key in list(event):
            try:
                event[key] = self._walk(event[key])
            except Exception:  # noqa: BLE001 - logging must never raise into business code
                event[key] = "[unloggable]"
        return event


redactor = Redactor()


def configure_logging(level: str = "info", fmt: str = "auto", secrets: Iterable[str] = ()) -> None:
    for secret in secrets:
        redactor.add(secret)
    console = fmt == "console" or (fmt == "auto" and sys.stderr.isatty())
    renderer: Any
    if console:
        renderer = structlog.dev.ConsoleRenderer(colors=True)
        exc_processor: Any = structlog.processors.format_exc_info
    else:
        renderer = structlog.processors.JSONRenderer()
        exc_processor = structlog.processors.ExceptionRenderer(ExceptionDictTransformer(show_locals=False))
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            exc_processor,
            redactor,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelNamesMapping()[level.upper()]),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
