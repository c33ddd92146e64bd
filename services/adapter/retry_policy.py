"""How often and how long a cell's provider calls are retried: attempts, backoff and the cap
on a provider's Retry-After.

Separate from the caller because these are the tunable numbers (from the catalogue's ModelSpec,
defaults in docs/resilience.md), while the caller is the loop that obeys them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from shared.catalogue import ModelSpec


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    base_delay_s: float = 1.0
    max_delay_s: float = 30.0
    # A provider asking for a longer pause than this ends the cell now: a quota that resets in
    # an hour is not worth holding the job for.
    max_retry_after_s: float = 60.0

    @classmethod
    def from_spec(cls, spec: ModelSpec) -> RetryPolicy:
        return cls(
            max_attempts=spec.max_attempts,
            base_delay_s=spec.retry_base_s,
            max_delay_s=spec.retry_max_s,
            max_retry_after_s=spec.max_retry_after_s,
        )

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """The pause after failed attempt ``attempt`` (1-based).

        Full jitter (AWS architecture blog): spreads the retries of many cells over the window
        instead of sending them back in lockstep.
        """
        return rng.uniform(0.0, min(self.max_delay_s, self.base_delay_s * (2 ** (attempt - 1))))
