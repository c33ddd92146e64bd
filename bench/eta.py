"""Following a bench run the way the CLI does: its submit-reply estimate and its ETA's error.

The run is submitted and its events followed like `brandlens run` follows them; the CLI's own
ETA (services/cli/eta.py) is fed the same events, and at the first event with 25%, 50% and 75%
of the cells done its predicted end is compared with the real end.
"""

from __future__ import annotations

import time
from typing import Any

from services.cli.eta import Eta
from shared.client import BrandlensClient
from shared.contracts import Completed, Progress

MARKS = (25, 50, 75)


async def followed_run(client: BrandlensClient, request: dict[str, object],
                       timeout_s: float = 600) -> dict[str, Any]:
    """Submit and follow: makespan (submit → completed), the estimate and the ETA error at each mark."""
    started = time.perf_counter()
    accepted = await client.submit(request)
    estimate = accepted.estimate
    per_model = {m.model: (m.cells, m.duration_p50_s) for m in estimate.models} if estimate else {}
    eta = Eta(accepted.cells, estimate.duration_p50_s if estimate else None, started, per_model)
    predicted: dict[int, tuple[float, float | None]] = {}
    completed: Completed | None = None
    deadline = started + timeout_s
    async for event in client.events(accepted.run_id, timeout_s=timeout_s):
        now = time.perf_counter()
        if isinstance(event, Progress):
            for mark in MARKS:
                if mark not in predicted and event.done * 100 >= mark * accepted.cells:
                    predicted[mark] = (now - started, eta.remaining_s(event.done, now, event.by_model))
        elif isinstance(event, Completed):
            completed = event
            break
        if now > deadline:
            raise TimeoutError(f"run {accepted.run_id} not complete within {timeout_s}s")
    assert completed is not None
    makespan = time.perf_counter() - started
    errors: dict[str, Any] = {}
    for mark in MARKS:
        at, remaining = predicted.get(mark, (None, None))
        if at is None or remaining is None:
            errors[f"{mark}%"] = None
            continue
        error_s = at + remaining - makespan
        errors[f"{mark}%"] = {"at_s": round(at, 3), "predicted_end_s": round(at + remaining, 3),
                              "error_s": round(error_s, 3), "error_pct": round(100 * error_s / makespan, 1)}
    return {
        "run_id": accepted.run_id, "status": completed.status, "cells": accepted.cells, "makespan_s": makespan,
        "estimate_p50_s": estimate.duration_p50_s if estimate else None,
        "estimate_p90_s": estimate.duration_p90_s if estimate else None,
        "eta_error": errors,
    }
