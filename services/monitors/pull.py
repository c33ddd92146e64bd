"""The monitors service's pull loops: fetch forever, hand each message to one handler.

Both consumers of this service (fired schedules, completed runs) pull the same way: a fetch that
times out is normal (nothing to do yet), a bus error is logged and retried after a pause, and one
message that fails its handler never stops the loop: it is nak'ed with a delay, redelivered later.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import nats.errors
import nats.js.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from shared.logging import get_logger

log = get_logger("brandlens.monitors")

BATCH = 10
FETCH_TIMEOUT_S = 5.0


async def pull_forever(sub: JetStreamContext.PullSubscription, handle: Callable[[Msg], Awaitable[None]],
                       what: str, retry_delay_s: float) -> None:
    """Run ``handle`` on every message of ``sub`` until cancelled; ``what`` names the loop in logs."""
    while True:
        try:
            msgs = await sub.fetch(BATCH, timeout=FETCH_TIMEOUT_S)
        except (TimeoutError, nats.errors.TimeoutError):
            continue
        except (nats.errors.ConnectionClosedError, nats.js.errors.Error, nats.errors.Error) as exc:
            log.warning(f"{what}_fetch_failed", error=type(exc).__name__)
            await asyncio.sleep(1)
            continue
        for msg in msgs:
            try:
                await handle(msg)
            except Exception as exc:  # noqa: BLE001 - one bad message must not stop the loop
                log.error(f"{what}_failed", error=type(exc).__name__)
                await msg.nak(delay=retry_delay_s)
