"""Scenarios 1 and 2: a diagnosis's makespan against the provider limit, and against the execution
models brandlens replaces, on the same latency draws in the same run.

6 simulated models × 50 questions, 8 concurrent calls per model. Every cell's latency is drawn
from the model's real latency distribution (bench/workload.py), scaled down, and served exactly by
the simulator (latency hints). The provider limit packs each model's cells onto its 8 slots in
submission order (greedy list scheduling): no scheduler can beat it without reordering cells.
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

from bench import baselines
from bench.cells import stored_cells
from bench.eta import followed_run
from bench.stack import BenchStack
from bench.stats import median, percentile
from bench.workload import (
    PROFILES,
    draw_latencies,
    hinted_question,
    list_schedule_makespan_ms,
    provider_limit_ms,
    request,
)

SLOTS = 8
SEED = 20261128
WARMUP_QUESTIONS = 8


async def run(questions: int = 50, repeats: int = 3, scale: float = 1 / 50, serial_questions: int = 2,
              models: int = len(PROFILES)) -> dict[str, Any]:
    profiles = PROFILES[:models]
    names = [p.name for p in profiles]
    repeats_out: list[dict[str, Any]] = []
    async with BenchStack(names, label="makespan") as stack:
        assert stack.client is not None
        # Warm-up: connections, imports and the simulator's answer cache are not what is measured.
        # Its latencies come from the same distributions (another seed), so the adapters have
        # observed latencies for the first repeat's estimate, as after any earlier run.
        warm = draw_latencies(profiles, WARMUP_QUESTIONS, scale, random.Random(SEED - 1))
        await stack.run(request([f"warm {hinted_question(i, profiles, warm)}" for i in range(WARMUP_QUESTIONS)],
                                names))
        for repeat in range(repeats):
            rng = random.Random(SEED + repeat)
            draws = draw_latencies(profiles, questions, scale, rng)
            limit_s = provider_limit_ms(draws, SLOTS) / 1000
            qs = [hinted_question(i, profiles, draws) for i in range(questions)]
            submitted_at = time.time()
            followed = await followed_run(stack.client, request(qs, names, client=f"bench makespan {repeat}"))
            run_id, makespan_s, status = followed["run_id"], followed["makespan_s"], followed["status"]
            # The same cells in the dispatcher's order (question-major, then model), for the baselines.
            cells = [(p.provider_model, qs[i]) for i in range(questions) for p in profiles]
            latency_of = {(p.provider_model, qs[i]): draws[p.name][i] for i in range(questions) for p in profiles}
            pool_limit_s = list_schedule_makespan_ms([latency_of[c] for c in cells], SLOTS) / 1000
            subset = [(p.provider_model, qs[i]) for i in range(serial_questions) for p in profiles]
            # Both baselines wait on the simulator's sleeps, not on CPU: run side by side to save time.
            (pool_s, pool_statuses), (subset_s, serial_statuses) = await asyncio.gather(
                baselines.global_pool(stack.simulator_url, cells, SLOTS),
                baselines.serial(stack.simulator_url, subset))
            stored = await stored_cells(stack.client.nc, run_id, expected=len(cells))
            post_call_ms = [(c.stored_at - c.result.finished_at) * 1000 for c in stored if c.result.finished_at]
            first_start = min(c.result.started_at for c in stored if c.result.started_at)
            per_call_overhead_s = (subset_s - sum(latency_of[c] for c in subset) / 1000) / len(subset)
            serial_s = sum(latency_of.values()) / 1000 + per_call_overhead_s * len(cells)
            repeats_out.append({
                "status": status, "cells": len(cells), "makespan_s": makespan_s, "limit_s": limit_s,
                "ratio_to_limit": makespan_s / limit_s,
                "global_pool_s": pool_s, "global_pool_limit_s": pool_limit_s,
                "global_pool_ok": sum(s == 200 for s in pool_statuses),
                "serial_estimated_s": serial_s, "serial_subset_cells": len(subset), "serial_subset_s": subset_s,
                "serial_ok": sum(s == 200 for s in serial_statuses),
                "serial_per_call_overhead_ms": per_call_overhead_s * 1000,
                "speedup_vs_serial": serial_s / makespan_s, "speedup_vs_global_pool": pool_s / makespan_s,
                "sum_of_latencies_s": sum(latency_of.values()) / 1000,
                # Per-cell cost of the pipeline at this (normal) load, from the stored timestamps.
                "post_call_latency_ms": {"p50": percentile(post_call_ms, 50), "p99": percentile(post_call_ms, 99)},
                "submit_to_first_call_ms": (first_start - submitted_at) * 1000,
                "estimate_p50_s": followed["estimate_p50_s"], "estimate_p90_s": followed["estimate_p90_s"],
                "eta_error": followed["eta_error"],
            })
    return {
        "workload": {"models": names, "questions": questions, "cells": questions * len(names), "slots": SLOTS,
                     "latency_scale": scale, "seed": SEED, "repeats": repeats,
                     "latency_p50_p90_ms": {p.name: [p.p50_ms, p.p90_ms] for p in profiles},
                     "serial": f"measured on the first {serial_questions} questions × every model "
                               f"({serial_questions * len(names)} cells), extrapolated to all cells as "
                               "sum(latencies) + cells × measured per-call overhead"},
        "repeats": repeats_out,
        "makespan_s": median([r["makespan_s"] for r in repeats_out]),
        "limit_s": median([r["limit_s"] for r in repeats_out]),
        "ratio_to_limit": median([r["ratio_to_limit"] for r in repeats_out]),
        "global_pool_s": median([r["global_pool_s"] for r in repeats_out]),
        "serial_estimated_s": median([r["serial_estimated_s"] for r in repeats_out]),
        "speedup_vs_serial": median([r["speedup_vs_serial"] for r in repeats_out]),
        "speedup_vs_global_pool": median([r["speedup_vs_global_pool"] for r in repeats_out]),
        "post_call_latency_ms": {
            q: median([r["post_call_latency_ms"][q] for r in repeats_out]) for q in ("p50", "p99")
        },
        "submit_to_first_call_ms": median([r["submit_to_first_call_ms"] for r in repeats_out]),
        "estimate_p50_s": median([r["estimate_p50_s"] or 0.0 for r in repeats_out]),
        "eta_error_pct": eta_error_medians(repeats_out),
    }


def eta_error_medians(repeats: list[dict[str, Any]]) -> dict[str, float | None]:
    """Median over repeats of the ETA's error at each mark, in % of the run's real duration."""
    out: dict[str, float | None] = {}
    for mark in ("25%", "50%", "75%"):
        values = [r["eta_error"][mark]["error_pct"] for r in repeats if r["eta_error"].get(mark)]
        out[mark] = median(values) if values else None
    return out

