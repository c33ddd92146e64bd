"""How fast one model is called: an adjustable concurrency limit (AIMD) and a token bucket.

On a 429 the limit halves, then grows back by one slot per ``limit`` successes, so a run slows
down under a provider's pressure instead of failing (the replaced system's 10 workers
overloaded Doubao and it went back to serial).
"""

from __future__ import annotations

import asyncio
import time


class AimdLimiter:
    def __init__(self, max_limit: int, min_limit: int = 1) -> None:
        self.max_limit = max(1, max_limit)
        self.min_limit = max(1, min_limit)
        self.limit = float(self.max_limit)
        self.in_use = 0
        self._cond = asyncio.Condition()

    @property
    def current(self) -> int:
        return max(self.min_limit, int(self.limit))

    async def acquire(self) -> None:
        async with self._cond:
            await self._cond.wait_for(lambda: self.in_use < self.current)
            self.in_use += 1

    async def release(self) -> None:
        async with self._cond:
            self.in_use -= 1
            self._cond.notify_all()

    def on_success(self) -> None:
        if self.limit < self.max_limit:
            self.limit = min(float(self.max_limit), self.limit + 1.0 / max(1.0, self.limit))

    async def on_rate_limited(self) -> None:
        self.limit = max(float(self.min_limit), self.limit / 2)
        async with self._cond:
            self._cond.notify_all()


class TokenBucket:
    """Requests per minute; ``rpm <= 0`` disables the bucket."""

    def __init__(self, rpm: int, burst: int | None = None) -> None:
        self.rate = rpm / 60.0
        self.capacity = float(burst if burst is not None else max(1, min(rpm, 10))) if rpm > 0 else 0.0
        self.tokens = self.capacity
        self._stamp = time.monotonic()
        self._lock = asyncio.Lock()

    async def take(self) -> None:
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
