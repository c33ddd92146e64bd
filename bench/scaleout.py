"""Scenario 4: a second adapter replica on the same durable consumer doubles a model's throughput
when the provider's per-process concurrency is the limit.

One model, a fixed 100 ms provider latency, 4 concurrent calls per adapter process. The same
diagnosis runs with one replica, then again after a second replica of the same model joined (it
binds to the same durable consumer; the dispatcher's pacer sees more in-flight jobs and releases
more). The simulator's max_in_flight shows both replicas worked at once.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from bench.cells import stored_cells
from bench.stack import BenchStack
from bench.stats import median
from bench.workload import plain_questions, request

MODEL = "sim-scale"
PROVIDER_MODEL = "gpt-4o-mini"
LATENCY_MS = 100
CONCURRENCY = 4
SAMPLES = 20


async def _measure(stack: BenchStack, cells: int, tag: str) -> dict[str, Any]:
    assert stack.client is not None
    async with httpx.AsyncClient(base_url=stack.simulator_url, timeout=10) as http:
        await http.post("/_sim/reset")
        run_id, seconds, status = await stack.run(
            request(plain_questions(cells // SAMPLES, tag, latency_ms=LATENCY_MS), [MODEL], samples=SAMPLES,
                    client=f"bench scale-out {tag}"))
        stats = (await http.get("/_sim/stats")).json()
    stored = await stored_cells(stack.client.nc, run_id, expected=cells)
    started = [c.result.started_at for c in stored if c.result.started_at]
    finished = [c.result.finished_at for c in stored if c.result.finished_at]
    provider_span = max(finished) - min(started) if started and finished else float("nan")
    return {"status": status, "cells": cells, "seconds": seconds, "cells_per_s": cells / seconds,
            "provider_cells_per_s": cells / provider_span,
            "max_in_flight": stats["max_in_flight"].get(PROVIDER_MODEL, 0),
            "adapters": sorted({c.result.adapter_id for c in stored if c.result.adapter_id})}


async def run(cells: int = 200, repeats: int = 2) -> dict[str, Any]:
    cells = max(SAMPLES, cells - cells % SAMPLES)
    async with BenchStack([MODEL], concurrency={MODEL: CONCURRENCY}, label="scaleout") as stack:
        await stack.run(request(plain_questions(4, "warm", latency_ms=1), [MODEL]))
        one = [await _measure(stack, cells, f"one{r}-") for r in range(repeats)]
        await asyncio.to_thread(stack.add_adapter, MODEL, 2)
        await _wait_for_replicas(stack, 2)
        two = [await _measure(stack, cells, f"two{r}-") for r in range(repeats)]
    one_rate = median([r["cells_per_s"] for r in one])
    two_rate = median([r["cells_per_s"] for r in two])
    return {
        "workload": {"model": MODEL, "cells": cells, "provider_latency_ms": LATENCY_MS,
                     "concurrency_per_replica": CONCURRENCY, "repeats": repeats,
                     "provider_limit_cells_per_s_per_replica": CONCURRENCY * 1000 / LATENCY_MS},
        "one_replica": one, "two_replicas": two,
        "one_replica_cells_per_s": one_rate, "two_replicas_cells_per_s": two_rate,
        "speedup": two_rate / one_rate,
        "provider_speedup": median([r["provider_cells_per_s"] for r in two])
        / median([r["provider_cells_per_s"] for r in one]),
    }


async def _wait_for_replicas(stack: BenchStack, count: int, timeout_s: float = 30.0) -> None:
    """Until `count` adapters wait on the model's durable consumer (each holds a pull request)."""
    assert stack.client is not None
    js = stack.client.js
    from shared import subjects

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while loop.time() < deadline:
        info = await js.consumer_info(subjects.JOBS_STREAM, subjects.adapter_consumer(MODEL))
        if (info.num_waiting or 0) >= count:
            return
        await asyncio.sleep(0.2)
    raise TimeoutError(f"{count} replicas of {MODEL} did not bind within {timeout_s}s")
