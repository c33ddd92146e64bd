"""A circuit breaker for one model.

Only outcomes that say the provider is unwell count (upstream_error, timeout, unreachable); a
bad key, a bad request, a content filter or a 429 say nothing about the provider's health and
never open it (LiteLLM cools a deployment down on a 401, making a bad key look like an
outage). Only answered calls (ok, filtered) count as successes: a failure that did not raise
must not close the breaker (a bug of the replaced system).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Literal

BreakerState = Literal["closed", "open", "half_open"]

BREAKER_FAILURES = frozenset({"upstream_error", "timeout", "unreachable"})
BREAKER_SUCCESSES = frozenset({"ok", "filtered"})


class CircuitBreaker:
    def __init__(
        self,
        *,
        window_s: float = 60.0,
        min_failures: int = 5,
        failure_ratio: float = 0.5,
        cooldown_s: float = 10.0,
        max_cooldown_s: float = 120.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.window_s = window_s
        self.min_failures = min_failures
        self.failure_ratio = failure_ratio
        self.base_cooldown_s = cooldown_s
        self.max_cooldown_s = max_cooldown_s
        self._now = clock
        self._outcomes: deque[tuple[float, bool]] = deque()
        self.state: BreakerState = "closed"
        self._opened_at = 0.0
        self._cooldown_s = cooldown_s
        self._probe_in_flight = False
        self.opened_count = 0

    def _trim(self, now: float) -> None:
        while self._outcomes and now - self._outcomes[0][0] > self.window_s:
            self._outcomes.popleft()

    def retry_in(self) -> float:
        """Seconds until a probe may go; 0 when a call may go now."""
        if self.state == "closed":
            return 0.0
        now = self._now()
        if self.state == "open":
            remaining = self._opened_at + self._cooldown_s - now
            if remaining > 0:
                return remaining
            self.state = "half_open"
            self._probe_in_flight = False
        # half-open: exactly one probe at a time; others wait a little and ask again.
        return 0.0 if not self._probe_in_flight else min(1.0, self._cooldown_s)

    def acquire(self) -> bool:
        """True when this call may go (taking the single half-open probe slot if needed)."""
        if self.retry_in() > 0:
            return False
        if self.state == "half_open":
            self._probe_in_flight = True
        return True

    def record(self, status: str) -> None:
        now = self._now()
        if status in BREAKER_SUCCESSES:
            if self.state == "half_open":
                self.state = "closed"
                self._cooldown_s = self.base_cooldown_s
                self._outcomes.clear()
            self._probe_in_flight = False
            self._outcomes.append((now, False))
        elif status in BREAKER_FAILURES:
            if self.state == "half_open":
                self._open(now, longer=True)
                return
            self._outcomes.append((now, True))
            self._trim(now)
            failures = sum(1 for _, failed in self._outcomes if failed)
            if failures >= self.min_failures and failures / len(self._outcomes) >= self.failure_ratio:
                self._open(now, longer=False)
        else:
            # Neither healthy nor unhealthy: release a probe slot without judging.
            self._probe_in_flight = False
        self._trim(now)

    def _open(self, now: float, *, longer: bool) -> None:
        if longer:
            self._cooldown_s = min(self.max_cooldown_s, self._cooldown_s * 2)
        self.state = "open"
        self._opened_at = now
        self._probe_in_flight = False
        self.opened_count += 1
