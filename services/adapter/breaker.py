"""A circuit breaker for one model.

Only outcomes that say the provider is unwell count (upstream_error, timeout, unreachable); a
bad key, a bad request, a content filter or a 429 say nothing about the provider's health and
never open it (LiteLLM cools a deployment down on a 401, making a bad key look like an
outage). Only answered calls (ok, filtered) count as successes: a failure that did not raise
must not close the breaker (a bug of the replaced system).

States: ``closed`` (calls go; outcomes fill a sliding window) → ``open`` when the window holds
at least ``min_failures`` failures making up at least ``failure_ratio`` of its outcomes → after
``cooldown_s``, ``half_open``: exactly one probe call goes; its success closes the breaker, its
failure reopens it with a doubled cooldown (up to ``max_cooldown_s``), a neutral outcome (429,
bad request…) lets the next caller probe. While open or half-open, outcomes of calls admitted
earlier are ignored: only the probe speaks for the provider's current health.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from shared.catalogue import ModelSpec

BreakerState = Literal["closed", "open", "half_open"]

BREAKER_FAILURES = frozenset({"upstream_error", "timeout", "unreachable"})
BREAKER_SUCCESSES = frozenset({"ok", "filtered"})


@dataclass(frozen=True)
class Permit:
    """Leave to make one call; ``probe`` marks the single half-open trial call."""

    probe: bool


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
        self.min_failures = max(1, min_failures)
        self.failure_ratio = failure_ratio
        self.base_cooldown_s = cooldown_s
        self.max_cooldown_s = max(cooldown_s, max_cooldown_s)
        self._now = clock
        self._outcomes: deque[tuple[float, bool]] = deque()
        self._failures = 0
        self._state: BreakerState = "closed"
        self._opened_at = 0.0
        self.cooldown_s = cooldown_s
        self._probe_in_flight = False
        self._changed = asyncio.Event()
        self.opened_count = 0

    @classmethod
    def from_spec(cls, spec: ModelSpec) -> CircuitBreaker:
        return cls(
            window_s=spec.breaker_window_s,
            min_failures=spec.breaker_min_failures,
            failure_ratio=spec.breaker_failure_ratio,
            cooldown_s=spec.breaker_cooldown_s,
            max_cooldown_s=spec.breaker_max_cooldown_s,
        )

    @property
    def state(self) -> BreakerState:
        """The state now (an open breaker whose cooldown has passed reads as half-open)."""
        if self._state == "open" and self._now() >= self._opened_at + self.cooldown_s:
            self._state = "half_open"
            self._probe_in_flight = False
        return self._state

    def retry_in(self) -> float:
        """Seconds until a call may be admitted: 0 now, the rest of the cooldown when open,
        ``inf`` while the half-open probe is out (its outcome decides)."""
        state = self.state
        if state == "closed":
            return 0.0
        if state == "open":
            return max(0.0, self._opened_at + self.cooldown_s - self._now())
        return float("inf") if self._probe_in_flight else 0.0

    async def wait_callable(self) -> None:
        """Return once a call may be admitted (closed, or half-open with the probe slot free).

        Admission itself is ``try_acquire``: between the two another caller may take the probe.
        """
        while True:
            wait = self.retry_in()
            if wait <= 0:
                return
            changed = self._changed
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(None if wait == float("inf") else wait):
                    await changed.wait()

    def try_acquire(self) -> Permit | None:
        """A permit for one call now, or None when the breaker holds calls back."""
        state = self.state
        if state == "closed":
            return Permit(probe=False)
        if state == "half_open" and not self._probe_in_flight:
            self._probe_in_flight = True
            return Permit(probe=True)
        return None

    def record(self, permit: Permit, status: str) -> None:
        """The outcome of a call made under ``permit`` (a cell status)."""
        now = self._now()
        if permit.probe:
            self._probe_in_flight = False
            if status in BREAKER_SUCCESSES:
                self._close()
            elif status in BREAKER_FAILURES:
                self._open(now, longer=True)
            self._notify()
            return
        if self.state != "closed" or (status not in BREAKER_SUCCESSES and status not in BREAKER_FAILURES):
            return
        failed = status in BREAKER_FAILURES
        self._outcomes.append((now, failed))
        self._failures += failed
        # A running count: re-counting the window on every call cost O(window) per cell (170 µs
        # with 20,000 outcomes in the window, in the overhead benchmark).
        while self._outcomes and now - self._outcomes[0][0] > self.window_s:
            self._failures -= self._outcomes.popleft()[1]
        failures = self._failures
        if failures >= self.min_failures and failures / len(self._outcomes) >= self.failure_ratio:
            self._open(now, longer=False)
            self._notify()

    def abandon(self, permit: Permit) -> None:
        """The call was cancelled before an outcome: free the probe slot without judging."""
        if permit.probe:
            self._probe_in_flight = False
            self._notify()

    def _close(self) -> None:
        self._state = "closed"
        self.cooldown_s = self.base_cooldown_s
        self._outcomes.clear()
        self._failures = 0

    def _open(self, now: float, *, longer: bool) -> None:
        if longer:
            self.cooldown_s = min(self.max_cooldown_s, self.cooldown_s * 2)
        self._state = "open"
        self._opened_at = now
        self._probe_in_flight = False
        self._outcomes.clear()
        self._failures = 0
        self.opened_count += 1

    def _notify(self) -> None:
        # Waiters hold the old event; a fresh one for the next change.
        self._changed.set()
        self._changed = asyncio.Event()
