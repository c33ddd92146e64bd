"""Request/reply endpoints as NATS micro services, made safe and concurrent.

Two nats.micro behaviours shape this module:
- an endpoint runs one handler at a time, so a slow request would block every other caller:
  each request runs in its own task under a per-service semaphore;
- an unhandled exception is sent to the caller (and to `$SRV.STATS`) as ``repr(exc)``, which
  can carry secrets: every exception is mapped here to a sanitised JSON error with the
  ``Nats-Service-Error`` / ``Nats-Service-Error-Code`` headers the NATS CLI understands.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
from collections.abc import Awaitable, Callable
from typing import Any

import nats.micro
from nats.aio.client import Client
from nats.micro.request import Request
from nats.micro.service import EndpointConfig, EndpointStats, Service, ServiceConfig

from shared.contracts import ErrorReply, FieldError, encode
from shared.logging import get_logger, redactor

log = get_logger("brandlens.service")

def _version() -> str:
    """pyproject.toml is the one version source; installed, the package metadata carries it."""
    try:
        return importlib.metadata.version("brandlens")
    except importlib.metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "0.0.0+unknown"


VERSION = _version()
MAX_MESSAGE_CHARS = 300


class Reject(Exception):
    """A handler's way to answer with a structured error (code follows HTTP conventions)."""

    def __init__(self, code: int, error: str, message: str, fields: list[FieldError] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.error = error
        self.message = message
        self.fields = fields or []


def safe_message(text: str) -> str:
    """Sanitised and capped: no secrets, no control characters, bounded length."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in redactor.scrub(text))
    return cleaned[:MAX_MESSAGE_CHARS]


Handler = Callable[[Request], Awaitable[bytes]]


class MicroService:
    """A nats.micro service whose endpoints run concurrently and never leak exception reprs."""

    def __init__(
        self,
        nc: Client,
        name: str,
        description: str,
        metadata: dict[str, str] | None = None,
        max_concurrent: int = 64,
        stats_data: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        self._nc = nc
        self._name = name
        self._description = description
        self._metadata = metadata or {}
        self._limit = asyncio.Semaphore(max_concurrent)
        self._tasks: set[asyncio.Task[None]] = set()
        self._stats_data = stats_data
        # Rejections and failures answered per endpoint: (count, last "code:message").
        self.errors: dict[str, tuple[int, str]] = {}
        self.service: Service | None = None

    async def start(self) -> MicroService:
        def stats_handler(endpoint: EndpointStats) -> dict[str, Any]:
            data = self._stats_data() if self._stats_data else {}
            count, last = self.errors.get(endpoint.name, (0, ""))
            return {**data, "errors": count, "last_error": last}

        self.service = await nats.micro.add_service(
            self._nc,
            ServiceConfig(
                name=self._name,
                version=VERSION,
                description=self._description,
                metadata=self._metadata,
                stats_handler=stats_handler,
            ),
        )
        return self

    async def add_endpoint(
        self,
        name: str,
        subject: str,
        handler: Handler,
        *,
        request_type: str,
        response_type: str,
        queue_group: str | None = None,
    ) -> None:
        assert self.service is not None, "start() first"

        async def dispatch(request: Request) -> None:
            task = asyncio.create_task(self._run(name, request, handler))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        await self.service.add_endpoint(
            EndpointConfig(
                name=name,
                subject=subject,
                handler=dispatch,
                queue_group=queue_group,
                metadata={"request": request_type, "response": response_type, "format": "application/json"},
            )
        )

    async def _run(self, name: str, request: Request, handler: Handler) -> None:
        async with self._limit:
            try:
                body = await handler(request)
            except Reject as rej:
                await self._respond_error(name, request, rej.code, rej.error, rej.message, rej.fields)
            except Exception as exc:  # noqa: BLE001 - every failure must become a safe reply
                log.error("endpoint_failed", endpoint=name, error=type(exc).__name__)
                await self._respond_error(name, request, 500, "internal", f"internal error ({type(exc).__name__})")
            else:
                try:
                    await request.respond(body)
                except Exception as exc:  # noqa: BLE001 - the caller may be gone; nothing to tell
                    log.warning("respond_failed", endpoint=name, error=type(exc).__name__)

    async def _respond_error(
        self, name: str, request: Request, code: int, error: str, message: str, fields: list[FieldError] | None = None
    ) -> None:
        message = safe_message(message)
        self._count_error(name, f"{code}:{message}")
        body = encode(ErrorReply(code=code, error=error, message=message, fields=fields or []))
        try:
            # Header values must stay single-line ASCII for every NATS client; the JSON body
            # carries the full UTF-8 message.
            header_text = message.encode("ascii", "backslashreplace").decode("ascii")
            await request.respond_error(str(code), header_text, data=body)
        except Exception as exc:  # noqa: BLE001 - the caller may be gone
            log.warning("respond_failed", endpoint=name, error=type(exc).__name__)

    def _count_error(self, name: str, description: str) -> None:
        # nats.micro counts only exceptions that escape a handler (and then sends their repr to the
        # caller); ours never escape, and nats-py has no public way to bump its `num_errors`. So
        # the counts travel in each endpoint's stats `data` (`errors`, `last_error`), read through
        # the public stats handler; the standard `num_errors` stays nats.micro's own (0).
        count, _ = self.errors.get(name, (0, ""))
        self.errors[name] = (count + 1, description)

    async def stop(self) -> None:
        if self.service is not None:
            await self.service.stop()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=5)
