"""Scenario 6: many users at once, and a small run next to a big one.

- 20 diagnoses submitted together, each by its own client connection: every one must complete.
- A 6-cell run submitted just after a 2,000-cell run on the same models: the dispatcher's pacer
  interleaves runs round-robin per model, so the small run should finish within 2× its time on an
  idle system instead of waiting behind 2,000 cells (first-come first-served would).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bench.stack import BenchStack
from bench.stats import median
from bench.workload import plain_questions, request
from shared.client import BrandlensClient
from shared.config import load_settings

MODELS = ["sim-deepseek", "sim-qwen", "sim-glm"]
# Long enough that the big run keeps the models' slots busy without saturating this machine's CPU
# (3 models × 8 slots / 0.2 s = 120 cells/s): what is measured is scheduling, not CPU contention.
LATENCY_MS = 200


async def _one_user(url: str, index: int, questions: int) -> tuple[str, float]:
    async with await BrandlensClient.connect(url, settings=load_settings({}), name=f"bench-user-{index}") as client:
        started = time.perf_counter()
        accepted = await client.submit(request(plain_questions(questions, f"u{index}-", latency_ms=LATENCY_MS),
                                               MODELS, client=f"bench user {index}"))
        completed = await client.wait(accepted.run_id, timeout_s=120)
        return completed.status, time.perf_counter() - started


async def run(users: int = 20, user_questions: int = 3, big_cells: int = 2000, repeats: int = 3) -> dict[str, Any]:
    samples = 20
    # Rounded up to whole questions: 2,000 requested cells on 3 models is 34 questions, 2,040 cells.
    big_questions = max(1, -(-big_cells // (len(MODELS) * samples)))
    small_questions = max(1, 6 // len(MODELS))
    small = request(plain_questions(small_questions, "small-", latency_ms=LATENCY_MS), MODELS,
                    client="bench small run")
    async with BenchStack(MODELS, label="users", env={"BRANDLENS_MAX_CELLS": "5000"}) as stack:
        await stack.run(request(plain_questions(2, "warm", latency_ms=1), MODELS))
        started = time.perf_counter()
        outcomes = await asyncio.gather(*(_one_user(stack.nats_url, i, user_questions) for i in range(users)))
        together_s = time.perf_counter() - started
        idle = [(await stack.run(small))[1] for _ in range(repeats)]
        assert stack.client is not None
        big = await stack.client.submit(request(
            plain_questions(big_questions, "big-", latency_ms=LATENCY_MS), MODELS, samples=samples,
            client="bench big run"))
        loaded: list[float] = []
        big_done_at_small_end: list[int] = []
        for _ in range(repeats):
            await asyncio.sleep(0.3)
            _run_id, seconds, _status = await stack.run(small)
            loaded.append(seconds)
            # Proof the big run was still going when this small run finished.
            big_done_at_small_end.append(int((await stack.client.status(big.run_id))["done"]))
    statuses = [status for status, _ in outcomes]
    idle_s, loaded_s = median(idle), median(loaded)
    return {
        "workload": {"models": MODELS, "provider_latency_ms": LATENCY_MS, "users": users,
                     "cells_per_user": user_questions * len(MODELS),
                     "big_run_cells": big_questions * len(MODELS) * samples,
                     "small_run_cells": small_questions * len(MODELS), "repeats": repeats},
        "together": {"submitted": users, "complete": statuses.count("complete"), "statuses": statuses,
                     "all_done_s": together_s, "per_user_s_median": median([s for _, s in outcomes])},
        "small_run_idle_s": idle_s, "small_run_next_to_big_s": loaded_s, "small_run_slowdown": loaded_s / idle_s,
        "idle_runs_s": idle, "next_to_big_runs_s": loaded, "big_run_done_when_small_finished": big_done_at_small_end,
    }
