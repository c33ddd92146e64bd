"""Scenario 7: recovery after an adapter is SIGKILLed mid-run, at production settings.

One model (8 slots), every call 2.0 s, 48 cells; once 8 calls are in flight the adapter process
is SIGKILLed and a replacement started at once (as a supervisor would). Measured from outside:
from the kill until every job the dead adapter held has been delivered again (the durable
consumer's redelivered count reaching the number it held: the replacement's call starts the
moment it gets a job), and until the run's end; each cell must be stored once. No setting is
lowered: the job AckWait is the default, so this is what an operator gets.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from bench.cells import stored_cells
from bench.stack import BenchStack
from bench.stats import median
from bench.workload import PROFILES, plain_questions, request
from shared import subjects

MODEL = "sim-deepseek"
LATENCY_MS = 2000.0


async def _in_flight(http: httpx.AsyncClient, provider_model: str) -> int:
    stats = (await http.get("/_sim/stats")).json()
    return int(stats.get("in_flight", {}).get(provider_model, 0))


async def _until_in_flight(http: httpx.AsyncClient, provider_model: str, calls: int) -> None:
    """Polls the simulator (another process): no event to wait on."""
    for _ in range(3000):
        if await _in_flight(http, provider_model) >= calls:
            return
        await asyncio.sleep(0.02)
    raise TimeoutError(f"{calls} calls of {provider_model} never in flight")


async def run(repeats: int = 3, questions: int = 48, latency_ms: float = LATENCY_MS) -> dict[str, Any]:
    provider_model = next(p.provider_model for p in PROFILES if p.name == MODEL)
    out: list[dict[str, Any]] = []
    async with BenchStack([MODEL], label="recovery") as stack, \
            httpx.AsyncClient(base_url=stack.simulator_url, timeout=5) as http:
        assert stack.client is not None
        js = stack.client.js
        await stack.run(request(plain_questions(2, "warm ", 1), [MODEL]))
        for repeat in range(repeats):
            replica = f"adapter-{MODEL}-{repeat + 1}"
            accepted = await stack.client.submit(
                request(plain_questions(questions, f"k{repeat} ", latency_ms), [MODEL], client="bench recovery"))
            await _until_in_flight(http, provider_model, 8)
            info = await js.consumer_info(subjects.JOBS_STREAM, subjects.adapter_consumer(MODEL))
            held, redelivered_before = int(info.num_ack_pending or 0), int(info.num_redelivered or 0)
            stack.harness.procs[replica].kill()
            killed = time.perf_counter()
            stack.add_adapter(MODEL, repeat + 2)
            recovered_s = None
            while recovered_s is None:
                info = await js.consumer_info(subjects.JOBS_STREAM, subjects.adapter_consumer(MODEL))
                if int(info.num_redelivered or 0) - redelivered_before >= held:
                    recovered_s = time.perf_counter() - killed
                elif time.perf_counter() - killed > 120:
                    raise TimeoutError("the killed adapter's jobs were not redelivered within 120 s")
                await asyncio.sleep(0.02)
            completed = await stack.client.wait(accepted.run_id, timeout_s=300)
            end_s = time.perf_counter() - killed
            stored = await stored_cells(stack.client.nc, accepted.run_id, expected=accepted.cells)
            out.append({"status": completed.status, "cells": accepted.cells, "held_at_kill": held,
                        "recovered_s": recovered_s, "kill_to_run_end_s": end_s,
                        "stored_once": len({c.result.cell_id for c in stored}) == len(stored) == accepted.cells})
    return {
        "workload": {"model": MODEL, "cells": questions, "latency_ms": latency_ms, "repeats": repeats,
                     "settings": "defaults (job AckWait 5 s, in-progress acks every AckWait/3)"},
        "repeats": out,
        "recovered_s": median([r["recovered_s"] for r in out]),
        "kill_to_run_end_s": median([r["kill_to_run_end_s"] for r in out]),
        "all_stored_once": all(r["stored_once"] for r in out),
    }
