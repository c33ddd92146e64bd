"""What an adapter reports as its model's health (ModelHealth): the state from the caller's
latch and circuit breaker, the observed latencies, and the load.

Separate from the service because it is the one rule for how a model's state is judged
(not_configured, quota_exhausted, misconfigured, degraded, ready); the service only decides
when to publish it.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from services.adapter.caller import Caller
from shared.catalogue import ModelSpec
from shared.contracts import ModelHealth


def latency_percentiles(window: deque[float]) -> tuple[float | None, float | None]:
    """(p50, p90) in ms of the recent answered calls (nearest rank), None before the first."""
    if not window:
        return None, None
    ordered = sorted(window)
    last = len(ordered) - 1
    return ordered[round(0.5 * last)], ordered[round(0.9 * last)]


def model_health(
    spec: ModelSpec,
    caller: Caller | None,
    *,
    missing_env: str | None,
    latencies: deque[float],
    in_flight: int,
    adapter_id: str,
) -> ModelHealth:
    """The model's health now; lifts a quota latch whose reset time has come first."""
    state: Any = "ready"
    reason = None
    until: float | None = None
    if caller is not None:
        caller.latch.expire(time.time())  # a daily quota's reset has come: ready again
    if missing_env:
        state, reason = "not_configured", f"{missing_env} is not set in the adapter's environment"
    elif caller is not None and caller.latch.quota_exhausted:
        state, reason, until = "quota_exhausted", caller.latch.reason, caller.latch.until
    elif caller is not None and caller.latch.status is not None:
        state = "misconfigured"
        reason = caller.latch.reason
    elif caller is not None and caller.breaker.state != "closed":
        state, reason = "degraded", f"circuit breaker {caller.breaker.state}"
    p50, p90 = latency_percentiles(latencies)
    return ModelHealth(
        model=spec.name, state=state, reason=reason,
        latency_p50_ms=p50, latency_p90_ms=p90, latency_samples=len(latencies),
        breaker=caller.breaker.state if caller else "closed",
        in_flight=in_flight, concurrency=caller.limiter.current if caller else 0,
        adapter_id=adapter_id, protocol=spec.protocol, at=time.time(), until=until,
    )
