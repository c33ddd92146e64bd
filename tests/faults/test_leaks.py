"""Ten diagnoses in a row on one stack: all complete, and after ~5,000 cells the adapter's
open file descriptors, asyncio tasks and event loops are back to their idle counts."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from tests.faults.conftest import StackFactory
from tests.faults.stack import FaultStack, bounded, diagnosis

pytestmark = pytest.mark.faults

MODEL = "sim-deepseek"
RUNS = 10
QUESTIONS, SAMPLES = 50, 10  # 500 cells a run


async def idle_stats(stack: FaultStack) -> dict[str, Any]:
    """The adapter's stats once it has nothing in flight (tasks end a moment after their ack)."""
    for _ in range(100):
        stats = await stack.adapter_stats(MODEL)
        if stats["in_flight"] == 0:
            return stats
        await asyncio.sleep(0.05)
    raise AssertionError(f"adapter never idle: {stats}")


class TestLeaks:
    async def test_ten_runs_of_500_cells_leave_the_adapter_at_its_idle_counts(self, make_stack: StackFactory) -> None:
        """10 × 500 cells all complete; afterwards the adapter's asyncio task count and event
        loop count equal their idle values (one uvloop loop) and its open fds are within the HTTP pool's size."""
        stack = await make_stack([MODEL], latency_scale=0)
        async with bounded(120, stack):
            warmup = await stack.client.submit(diagnosis([MODEL], questions=5))
            await stack.wait_terminal(warmup.run_id, timeout_s=30)
            idle = await idle_stats(stack)
            started = time.monotonic()
            for _ in range(RUNS):
                accepted = await stack.client.submit(diagnosis([MODEL], questions=QUESTIONS, samples=SAMPLES))
                record, _ = await stack.wait_terminal(accepted.run_id, timeout_s=60)
                stack.expect(record, "complete")
                assert record.by_status == {"ok": QUESTIONS * SAMPLES}
            elapsed = time.monotonic() - started
            after = await idle_stats(stack)

            assert after["completed"] - idle["completed"] == RUNS * QUESTIONS * SAMPLES
            assert after["asyncio_tasks"] == idle["asyncio_tasks"], (idle, after)
            assert after["event_loops"] == idle["event_loops"] == 1
            assert after["event_loop"] == "uvloop"  # the default (shared/runtime.py)
            # Keep-alive connections may have opened or expired: bounded by the pool, not by cells.
            assert after["open_fds"] <= idle["open_fds"] + 8, (idle, after)
            print(f"leaks: {RUNS * QUESTIONS * SAMPLES} cells in {elapsed:.1f}s; idle {idle['asyncio_tasks']} tasks "
                  f"{idle['open_fds']} fds -> after {after['asyncio_tasks']} tasks {after['open_fds']} fds")
