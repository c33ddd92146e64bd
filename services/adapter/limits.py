"""How fast one model is called: an adjustable concurrency limit (AIMD) and a token bucket.

On a 429 the limit halves, then grows back by one slot per ``limit`` answered calls, so a run
slows down under a provider's pressure instead of failing (the replaced system's 10 workers
overloaded Doubao and it went back to serial). Only calls that started after the last decrease
can halve it again: eight calls rejected by the same burst are one congestion signal, not eight
(the rule TCP and Netflix's concurrency-limits use), so one burst takes 8 to 4, not to 1.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Slot:
    """A held concurrency slot; ``epoch`` is the limiter's decrease count when it was taken."""

    epoch: int


class AimdLimiter:
    def __init__(self, max_limit: int, min_limit: int = 1) -> None:
        self.max_limit = max(1, max_limit)
        self.min_limit = max(1, min(min_limit, self.max_limit))
        self.limit = float(self.max_limit)
        self.in_use = 0
        self.decreases = 0
        self._waiters: list[asyncio.Future[None]] = []

    @property
    def current(self) -> int:
        """Calls allowed in flight now."""
        return max(self.min_limit, int(self.limit))

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[Slot]:
        """Hold one in-flight slot for the duration of the block (released on any exit)."""
        while self.in_use >= self.current:
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
        self.in_use += 1
        try:
            yield Slot(self.decreases)
        finally:
            # Synchronous on purpose: a release must not be lost to a second cancellation.
            self.in_use -= 1
            self._wake_all()

    def _wake_all(self) -> None:
        # Every waiter re-checks the limit itself, so waking all of them cannot lose a wake-up
        # (a woken-then-cancelled waiter would swallow a targeted one); there are at most a few
        # dozen waiters per model.
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def on_success(self) -> None:
        """Additive increase: one more slot after ``limit`` answered calls."""
        if self.limit < self.max_limit:
            self.limit = min(float(self.max_limit), self.limit + 1.0 / max(1.0, self.limit))
            self._wake_all()

    def on_rate_limited(self, slot: Slot) -> bool:
        """Multiplicative decrease on a 429; True when this 429 halved the limit."""
        if slot.epoch != self.decreases:
            return False  # started before the last decrease: already accounted for
        self.limit = max(float(self.min_limit), self.limit / 2)
        self.decreases += 1
        return True


class TokenBucket:
    """Requests per minute; ``rpm <= 0`` disables the bucket.

    The bucket holds one second's worth of requests (at least one), so a burst never exceeds
    what the provider's per-minute limiter would accept within a second, and any 60 s window
    holds at most ``rpm + burst`` requests.
    """

    def __init__(self, rpm: int, burst: int | None = None) -> None:
        self.rpm = max(0, rpm)
        self.rate = self.rpm / 60.0
        default_burst = max(1, math.ceil(self.rate))
        self.capacity = float(burst if burst is not None else default_burst) if self.rpm else 0.0
        self.tokens = self.capacity
        self._stamp = time.monotonic()
        self._lock = asyncio.Lock()

    async def take(self) -> None:
        """Wait for a token; callers are served in arrival order."""
        if self.rate <= 0:
            return
        async with self._lock:
            while True:
                now = time.monotonic()
                self.tokens = min(self.capacity, self.tokens + (now - self._stamp) * self.rate)
                self._stamp = now
                if self.tokens >= 1.0:
                    self.tokens -= 1.0
                    return
                await asyncio.sleep((1.0 - self.tokens) / self.rate)
