"""Scenarios 3 and 5: the pipeline's own cost with a provider that answers at once.

10,000 cells against the simulator at zero latency, so everything measured is brandlens (plus
the simulator's and nats-server's share, reported per process): cells per second from submit to
the completion event, the latency each cell gains after its provider call, CPU seconds per 1,000
cells per process, peak memory per process, an adapter's memory growth over its cells, and the
time to build a 10,000-cell report.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench import procstat, profile
from bench.cells import stored_cells
from bench.stack import BenchStack
from bench.stats import median, percentile
from bench.workload import PROFILES, plain_questions, request
from shared import subjects
from shared.contracts import run_decoder
from shared.report import build_report

MODELS = ["sim-deepseek", "sim-qwen"]
SAMPLES = 20
# Calls in flight per model. At 1,000 cells/s a real provider's 7-34 s answers mean thousands of
# calls in flight; 32 per model is still a small share of that, and lets the stack work as it
# would then (each wake-up handles several results, NATS writes carry several messages). With
# only 8 against a provider that answers at once, the figure measures the round trip of a few
# cells at a time instead; it is reported beside the headline (COMPARE_CONCURRENCY).
CONCURRENCY = 32
COMPARE_CONCURRENCY = 8
COMPARE_CELLS = 4_000


class RssSampler:
    """Samples one adapter's RSS against the number of cells its model has served so far."""

    def __init__(self, stack: BenchStack, model: str, process: str) -> None:
        self.stack = stack
        self.model = model
        self.process = process
        self.samples: list[tuple[int, float]] = []
        self.pid = stack.pids()[process]
        self.provider_model = next(p.provider_model for p in PROFILES if p.name == model)
        self._task: asyncio.Task[None] | None = None

    async def _sample(self, http: httpx.AsyncClient) -> None:
        stats = (await http.get("/_sim/stats")).json()
        served = int(stats["requests"].get(self.provider_model, 0))
        self.samples.append((served, procstat.rss_mb(self.pid)))

    async def _loop(self) -> None:
        async with httpx.AsyncClient(base_url=self.stack.simulator_url, timeout=5) as http:
            while True:
                await self._sample(http)
                await asyncio.sleep(0.25)

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        """Stop sampling, after one last sample (a short run may end between two ticks)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        async with httpx.AsyncClient(base_url=self.stack.simulator_url, timeout=5) as http:
            await self._sample(http)

    def rss_at(self, cells: int) -> float | None:
        """RSS at the first sample taken once the adapter had served `cells` cells."""
        return next((rss for served, rss in self.samples if served >= cells), None)


async def run(cells: int = 10_000, repeats: int = 3, warmup_cells: int = 400,
              concurrency: int = CONCURRENCY, rss_marks: tuple[int, int] = (1000, 10_000),
              profile: bool = False, compare: bool = True) -> dict[str, Any]:
    models = MODELS
    questions_needed = max(1, cells // (len(models) * SAMPLES))
    env = {"BRANDLENS_MAX_CELLS": str(max(cells, 2000) * 2), "BRANDLENS_MAX_QUESTIONS": "1000"}
    async with BenchStack(models, env=env, label="overhead",
                          concurrency=dict.fromkeys(models, concurrency)) as stack:
        assert stack.client is not None
        # Warm-up: imports, connections, the simulator's answer cache for these questions.
        warm_q = max(1, warmup_cells // (len(models) * SAMPLES))
        await stack.run(request(plain_questions(warm_q, "warm"), models, samples=SAMPLES))
        sampler = RssSampler(stack, models[0], f"adapter-{models[0]}-1")
        sampler.start()
        runs: list[dict[str, Any]] = []
        last_run_id = ""
        for repeat in range(repeats):
            req = request(plain_questions(questions_needed, f"r{repeat}-"), models, samples=SAMPLES)
            n = questions_needed * len(models) * SAMPLES
            run_id, measured = await _measured_run(stack, req, n)
            stored = await stored_cells(stack.client.nc, run_id, expected=n)
            post_call_ms = [
                (c.stored_at - c.result.finished_at) * 1000 for c in stored
                if c.result.finished_at is not None and c.stored_at
            ]
            runs.append({
                **measured, "stored": len(stored),
                "post_call_latency_ms": {"p50": percentile(post_call_ms, 50), "p99": percentile(post_call_ms, 99)},
            })
            last_run_id = run_id
        await sampler.stop()
        peak = {name: procstat.peak_rss_mb(pid) for name, pid in stack.pids().items()}
        for name, pid in stack.pids().items():
            for n, child in enumerate(procstat.children(pid), 1):
                peak[f"{name} worker {n}"] = procstat.peak_rss_mb(child)
        kv = await stack.client.js.key_value(subjects.RUNS_BUCKET)
        record = run_decoder.decode((await kv.get(last_run_id)).value or b"")
        report_s = []
        for _ in range(3):
            t0 = time.perf_counter()
            build_report(record, stored, generated_at=time.time())
            report_s.append(time.perf_counter() - t0)
        profiled = await _profile(stack, models, questions_needed, median([r["seconds"] for r in runs])) \
            if profile else None
    compared = await _compare(COMPARE_CONCURRENCY, min(COMPARE_CELLS, cells)) \
        if compare and concurrency != COMPARE_CONCURRENCY else None
    procs = sorted(runs[0]["cpu_s_per_1000_cells"])
    rss_first, rss_last = sampler.rss_at(rss_marks[0]), sampler.rss_at(rss_marks[1])
    return {
        "workload": {"cells": cells, "models": models, "samples": SAMPLES, "questions": questions_needed,
                     "provider_latency_ms": 0, "concurrency_per_model": concurrency, "repeats": repeats},
        "runs": runs,
        "cells_per_s": median([r["cells_per_s"] for r in runs]),
        "post_call_latency_ms": {
            "p50": median([r["post_call_latency_ms"]["p50"] for r in runs]),
            "p99": median([r["post_call_latency_ms"]["p99"] for r in runs]),
        },
        "cpu_s_per_1000_cells": {p: median([r["cpu_s_per_1000_cells"].get(p, 0.0) for r in runs]) for p in procs},
        "cpu_s_per_1000_cells_total": median([r["cpu_s_per_1000_cells_total"] for r in runs]),
        "memory": {
            "peak_rss_mb": peak,
            "adapter": f"adapter-{models[0]}-1",
            # The adapter's own cells, counted across the warm-up and every repeat.
            "adapter_rss_marks": list(rss_marks),
            "adapter_rss_mb_at_first_mark": rss_first,
            "adapter_rss_mb_at_last_mark": rss_last,
            "adapter_rss_growth_mb": (rss_last - rss_first) if rss_first and rss_last else None,
            "adapter_rss_samples": sampler.samples[:: max(1, len(sampler.samples) // 40)],
        },
        "report_build_s": {"cells": len(stored), "median": median(report_s)},
        "profile": profiled,
        "at_other_concurrency": compared,
    }


async def _measured_run(stack: BenchStack, req: Any, cells: int) -> tuple[str, dict[str, Any]]:
    """One diagnosis timed from submit to completion, with every process's CPU over it (the
    bench client's own included)."""
    pids = stack.pids()
    before = procstat.cpu_snapshot(pids)
    self_before = time.process_time()
    run_id, seconds, status = await stack.run(req)
    cpu = procstat.cpu_delta(before, procstat.cpu_snapshot(pids))
    cpu["bench-client"] = time.process_time() - self_before
    return run_id, {"cells": cells, "status": status, "seconds": seconds, "cells_per_s": cells / seconds,
                    "cpu_s_per_1000_cells": {k: v * 1000 / cells for k, v in cpu.items()},
                    "cpu_s_per_1000_cells_total": sum(cpu.values()) * 1000 / cells}


async def _compare(concurrency: int, cells: int) -> dict[str, Any]:
    """One run of the same workload at another per-model concurrency, on a fresh stack."""
    models = MODELS
    questions = max(1, cells // (len(models) * SAMPLES))
    env = {"BRANDLENS_MAX_CELLS": str(max(cells, 2000) * 2), "BRANDLENS_MAX_QUESTIONS": "1000"}
    async with BenchStack(models, env=env, label="overhead-compare",
                          concurrency=dict.fromkeys(models, concurrency)) as stack:
        await stack.run(request(plain_questions(max(1, questions // 10), "cwarm"), models, samples=SAMPLES))
        req = request(plain_questions(questions, "c-"), models, samples=SAMPLES)
        _run_id, measured = await _measured_run(stack, req, questions * len(models) * SAMPLES)
    return {"concurrency_per_model": concurrency, **measured}


async def _profile(stack: BenchStack, models: list[str], questions: int, expected_s: float) -> dict[str, Any]:
    """One more run of the same size with py-spy attached to every Python process of the stack."""
    out = Path(tempfile.mkdtemp(prefix="brandlens-profile-"))
    pids = {name: pid for name, pid in stack.pids().items() if name != "nats-server"}  # Go: not py-spy's
    spies = {name: await profile.record(pid, expected_s + 1, out / f"{name}.txt") for name, pid in pids.items()}
    _run_id, seconds, _status = await stack.run(request(plain_questions(questions, "prof-"), models, samples=SAMPLES))
    for spy in spies.values():
        await spy.wait()
    return {"run_seconds_under_profiler": seconds,
            "processes": {name: profile.summarise(out / f"{name}.txt") for name in spies}}
