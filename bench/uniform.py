"""Scenario 1b: the shape issue #15 measured — every call 1.0 s, 6 concurrent calls per model.

6 simulated OpenAI-compatible models × 30 questions = 180 cells, each answered after exactly
1.0 s (a latency hint), 6 slots per model: the provider limit is 5 full rounds = 5.0 s. Any time
a slot sits idle shows up whole here (a lost round is 20%), where the lognormal scenario's long
tail hides it. The run is followed like the CLI follows it (estimate, ETA error), measured from
submit to the completion event and from the run record's creation to its end; the global pool
of 6 (promptfoo `-j 6`) and the serial engine run on the same cells in the same bench run.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bench import baselines
from bench.cells import stored_cells
from bench.eta import followed_run
from bench.makespan import eta_error_medians
from bench.stack import BenchStack
from bench.stats import median
from bench.workload import PROFILES, list_schedule_makespan_ms, plain_questions, request
from shared import subjects
from shared.contracts import run_decoder

SLOTS = 6
LATENCY_MS = 1000.0


async def run(questions: int = 30, repeats: int = 3, serial_questions: int = 1, latency_ms: float = LATENCY_MS,
              models: int = len(PROFILES)) -> dict[str, Any]:
    profiles = PROFILES[:models]
    names = [p.name for p in profiles]
    limit_s = max(list_schedule_makespan_ms([latency_ms] * questions, SLOTS) for _ in names) / 1000
    repeats_out: list[dict[str, Any]] = []
    async with BenchStack(names, label="uniform", concurrency={n: SLOTS for n in names}) as stack:
        assert stack.client is not None
        # Warm-up: one round per model at the same latency, so the first estimate is observed.
        await stack.run(request(plain_questions(SLOTS, "warm ", latency_ms), names))
        runs_kv = await stack.client.js.key_value(subjects.RUNS_BUCKET)
        for repeat in range(repeats):
            qs = plain_questions(questions, f"u{repeat} ", latency_ms)
            followed = await followed_run(stack.client, request(qs, names, client=f"bench uniform {repeat}"))
            record = run_decoder.decode((await runs_kv.get(followed["run_id"])).value or b"")
            stored = await stored_cells(stack.client.nc, followed["run_id"], expected=followed["cells"])
            first_start = min(c.result.started_at for c in stored if c.result.started_at)
            # In flight per model during the run's first second: the symptom was 1 of 6.
            first_second = {n: sum(1 for c in stored if c.result.model == n and c.result.started_at
                                   and c.result.started_at < first_start + 0.5) for n in names}
            record_s = (record.finished_at or 0.0) - record.created_at
            repeats_out.append({
                "status": followed["status"], "cells": followed["cells"], "makespan_s": followed["makespan_s"],
                "record_makespan_s": record_s, "limit_s": limit_s,
                "ratio_to_limit": followed["makespan_s"] / limit_s, "record_ratio_to_limit": record_s / limit_s,
                "calls_started_in_first_half_second": first_second,
                "estimate_p50_s": followed["estimate_p50_s"], "estimate_p90_s": followed["estimate_p90_s"],
                "eta_error": followed["eta_error"],
            })
        cells = [(p.provider_model, q) for q in plain_questions(questions, "base ", latency_ms) for p in profiles]
        subset = cells[: serial_questions * len(names)]
        (pool_s, pool_statuses), (subset_s, serial_statuses) = await asyncio.gather(
            baselines.global_pool(stack.simulator_url, cells, SLOTS), baselines.serial(stack.simulator_url, subset))
    per_call_overhead_s = (subset_s - len(subset) * latency_ms / 1000) / len(subset)
    serial_s = len(cells) * (latency_ms / 1000 + per_call_overhead_s)
    makespan_s = median([r["makespan_s"] for r in repeats_out])
    return {
        "workload": {"models": names, "questions": questions, "cells": questions * len(names), "slots": SLOTS,
                     "latency_ms": latency_ms, "repeats": repeats,
                     "serial": f"measured on {len(subset)} cells, extrapolated to {len(cells)}"},
        "repeats": repeats_out,
        "makespan_s": makespan_s,
        "record_makespan_s": median([r["record_makespan_s"] for r in repeats_out]),
        "limit_s": limit_s,
        "ratio_to_limit": median([r["ratio_to_limit"] for r in repeats_out]),
        "record_ratio_to_limit": median([r["record_ratio_to_limit"] for r in repeats_out]),
        "global_pool_s": pool_s, "global_pool_ok": sum(s == 200 for s in pool_statuses),
        "serial_estimated_s": serial_s, "serial_ok": sum(s == 200 for s in serial_statuses),
        "speedup_vs_global_pool": pool_s / makespan_s, "speedup_vs_serial": serial_s / makespan_s,
        "estimate_p50_s": median([r["estimate_p50_s"] or 0.0 for r in repeats_out]),
        "eta_error_pct": eta_error_medians(repeats_out),
    }
