"""SIGTERM of each service mid-run: in-flight cells finish or are handed back, the process
exits within a bound, and after a restart the run completes with every cell once."""

from __future__ import annotations

import asyncio
import signal
import time

import pytest

from tests.faults.conftest import StackFactory
from tests.faults.stack import FAST_RECOVERY, bounded, diagnosis

pytestmark = pytest.mark.faults

MODEL = "sim-deepseek"
# Each call takes 1 s: a stopping adapter finishes its in-flight calls well inside its 10 s grace.
CALL_MS = 1000
EXIT_BOUND_S = {"dispatcher": 3.0, "aggregator": 3.0, f"adapter-{MODEL}": CALL_MS / 1000 + 3.0}


class TestGracefulStop:
    @pytest.mark.parametrize("service", ["dispatcher", "aggregator", f"adapter-{MODEL}"])
    async def test_sigterm_mid_run_loses_nothing_and_exits_within_its_bound(
        self, make_stack: StackFactory, service: str
    ) -> None:
        """SIGTERM while cells are in flight (and, for the dispatcher, still queued in its pacer):
        exit code 0 within the bound, and after a restart every accepted cell is stored once."""
        stack = await make_stack([MODEL], env=FAST_RECOVERY)
        async with bounded(60, stack):
            stack.slow(MODEL, CALL_MS)
            # 24 cells for an adapter of concurrency 8: most wait in the dispatcher's pacer.
            accepted = await stack.client.submit(diagnosis([MODEL], questions=12, samples=2))
            await stack.count_writes(accepted.run_id)
            await stack.until_in_flight(MODEL, at_least=4)
            proc = stack.proc(service)
            assert proc.proc is not None
            stopped_at = time.monotonic()
            proc.signal(signal.SIGTERM)
            code = await asyncio.to_thread(proc.proc.wait, 20)
            exit_s = time.monotonic() - stopped_at
            assert code == 0, proc.log()
            assert exit_s < EXIT_BOUND_S[service], exit_s
            if service.startswith("adapter"):
                # The in-flight calls finished (not cut) and their results were published.
                assert stack.sim_count("in_flight", MODEL) == 0
                assert stack.sim_count("disconnects", MODEL) == 0
                for _ in range(60):
                    if len(await stack.cells(accepted.run_id)) >= 4:
                        break
                    await asyncio.sleep(0.05)
                assert len(await stack.cells(accepted.run_id)) >= 4
            stack.restart(service)
            record, _ = await stack.wait_terminal(accepted.run_id, timeout_s=40)
            stack.expect(record, "complete")
            await stack.assert_every_cell_once(accepted.run_id)
            assert len(stack.writes(accepted.run_id)) == accepted.cells
            print(f"SIGTERM {service}: exited in {exit_s:.2f}s")
