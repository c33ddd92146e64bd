"""What every service process does around its own work: settings, logging, signals, NATS.

Each service's ``__main__`` calls ``run_service`` exactly once on a coroutine built from
``run_until_stopped``; nothing else in the code base creates or drives an event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Protocol

from shared.catalogue import Catalogue, load_catalogue
from shared.config import Settings, load_settings
from shared.logging import configure_logging, get_logger

log = get_logger("brandlens.runtime")


class Stoppable(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


# Young-generation collections every 20,000 net allocations instead of 700. A service handles
# each message with thousands of short-lived objects that reference counting frees anyway; at the
# default the collector also scanned, promoted and later rescanned the objects of every message
# still in flight (a 256-result batch in the aggregator). Measured with gc.callbacks over the
# overhead benchmark: the collector took 8% of the aggregator's CPU and 7% of an adapter's at the
# default, 1.4% and <0.1% with these (docs/performance.md).
GC_THRESHOLDS = (20_000, 50, 100)


def tune_gc() -> None:
    """Set a service process's collector for message handling; call once, after the imports.

    ``gc.freeze`` moves what exists by then (modules, the catalogue, compiled patterns) out of
    the collector's sight: it lives as long as the process and would be rescanned by every full
    collection.
    """
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def bootstrap(secret_envs: list[str] | None = None) -> tuple[Settings, Catalogue]:
    """Load and validate configuration; register every catalogue key with the log redactor;
    tune the collector (``tune_gc``)."""
    import os

    settings = load_settings()
    catalogue = load_catalogue(settings.models_path)
    secrets = [os.environ.get(spec.api_key_env, "") for spec in catalogue.models.values() if spec.api_key_env]
    secrets += [os.environ.get(name, "") for name in (secret_envs or [])]
    secrets += [settings.nats_password or ""]
    configure_logging(settings.log_level, settings.log_format, secrets=[s for s in secrets if s])
    tune_gc()
    return settings, catalogue


def event_loop_factory(choice: str) -> Callable[[], asyncio.AbstractEventLoop]:
    """The loop a service runs on: uvloop unless ``choice`` is "asyncio" or uvloop is missing.

    uvloop because the services spend most of their CPU in the loop's socket and callback
    machinery (thousands of small NATS messages and HTTP calls per second): it cut the CPU per
    cell of the overhead benchmark (docs/performance.md). It is still one long-lived loop.
    """
    if choice != "asyncio":
        try:
            import uvloop
        except ImportError:  # not built for this platform (Windows): asyncio's loop works the same
            pass
        else:
            return uvloop.new_event_loop
    return asyncio.new_event_loop


def run_service(main: Coroutine[Any, Any, int], event_loop: str = "uvloop") -> int:
    """Drive ``main`` to completion on a fresh loop of the configured kind: a process's one loop."""
    with asyncio.Runner(loop_factory=event_loop_factory(event_loop)) as runner:
        return runner.run(main)


async def run_until_stopped(
    make: Callable[[], Awaitable[Stoppable]], *, stop_timeout_s: float = 20.0
) -> int:
    """Start a service, run until SIGTERM/SIGINT, then stop it within a bound."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    service = await make()
    await service.start()
    await stop.wait()
    log.info("stopping")
    try:
        async with asyncio.timeout(stop_timeout_s):
            await service.stop()
    except TimeoutError:
        log.error("stop_timed_out", timeout_s=stop_timeout_s)
        return 1
    log.info("stopped")
    return 0
