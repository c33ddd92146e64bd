"""SIGKILL of one process mid-run: the adapter, nats-server or the aggregator.

Each test kills a real process while cells are in flight, restarts it, and proves the
guarantee: every accepted cell is stored exactly once and the run ends.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.faults.conftest import StackFactory
from tests.faults.stack import FAST_RECOVERY, bounded, diagnosis

pytestmark = pytest.mark.faults

MODEL = "sim-deepseek"


class TestAdapterKilled:
    async def test_jobs_held_by_a_killed_adapter_are_redelivered_and_stored_once(
        self, make_stack: StackFactory
    ) -> None:
        """SIGKILL of the adapter mid-call loses no cell: its unacked jobs come back after AckWait
        to the restarted adapter, which calls the provider again; each cell is stored once."""
        stack = await make_stack([MODEL], env=FAST_RECOVERY)
        async with bounded(60, stack):
            stack.slow(MODEL, 800)
            accepted = await stack.client.submit(diagnosis([MODEL], questions=6, samples=2))
            await stack.count_writes(accepted.run_id)
            await stack.until_in_flight(MODEL, at_least=4)
            stack.proc(f"adapter-{MODEL}").kill()
            killed_at = time.monotonic()
            stack.restart(f"adapter-{MODEL}")
            record, _ = await stack.wait_terminal(accepted.run_id, timeout_s=40)
            recovered_s = time.monotonic() - killed_at

            stack.expect(record, "complete")
            await stack.assert_every_cell_once(accepted.run_id)
            writes = stack.writes(accepted.run_id)
            assert sorted(writes) == sorted(set(writes)) and len(writes) == accepted.cells
            stats = await stack.adapter_stats(MODEL)
            assert stats["redeliveries"] >= 1, stats
            # The killed calls were asked again: the provider saw more calls than there are cells.
            assert stack.sim_count("requests", MODEL) > accepted.cells
            print(f"adapter SIGKILL: recovered in {recovered_s:.2f}s, redeliveries={stats['redeliveries']}")


class TestNatsServerKilled:
    async def test_services_reconnect_by_themselves_after_nats_server_restarts(
        self, make_stack: StackFactory
    ) -> None:
        """SIGKILL of nats-server mid-run, restarted on the same store and port within 10 s:
        no service exits, every service reconnects, and every accepted cell is reported once."""
        stack = await make_stack([MODEL, "sim-qwen"], env=FAST_RECOVERY)
        async with bounded(75, stack):
            stack.slow(MODEL, 600)
            stack.slow("sim-qwen", 600)
            accepted = await stack.client.submit(diagnosis([MODEL, "sim-qwen"], questions=6, samples=2))
            await stack.until_in_flight(MODEL, at_least=4)
            assert stack.harness.nats is not None
            port = stack.harness.nats.port
            stack.harness.nats.kill()
            killed_at = time.monotonic()
            await asyncio.sleep(2)
            stack.harness.start_nats()
            assert stack.harness.nats.port == port
            restarted_s = time.monotonic() - killed_at
            assert restarted_s < 10

            record, _ = await stack.wait_terminal(accepted.run_id, timeout_s=60)
            recovered_s = time.monotonic() - killed_at
            stack.expect(record, "complete")
            await stack.assert_every_cell_once(accepted.run_id)
            assert all(stack.all_alive().values()), stack.all_alive()
            # Still serving: a new run after the restart completes too.
            again = await stack.client.submit(diagnosis([MODEL], questions=2))
            assert (await stack.wait_terminal(again.run_id, timeout_s=30))[0].status == "complete"
            print(f"nats-server SIGKILL: down {restarted_s:.2f}s, run complete {recovered_s:.2f}s after the kill")


class TestAggregatorKilled:
    async def test_report_after_an_aggregator_crash_equals_the_report_without_it(
        self, make_stack: StackFactory
    ) -> None:
        """SIGKILL of the aggregator mid-run, then a restart: the report has the same cells,
        statuses and answers as the same request run without the fault."""
        stack = await make_stack([MODEL], env=FAST_RECOVERY)
        async with bounded(60, stack):
            # One sample per distinct question: after a simulator reset each answer is the same.
            request = diagnosis([MODEL], questions=8, samples=1)
            stack.sim("POST", "/_sim/reset")
            stack.slow(MODEL, 300)
            baseline = await stack.client.submit(request)
            await stack.wait_terminal(baseline.run_id, timeout_s=30)
            expected = await stack.client.report(baseline.run_id)

            stack.sim("POST", "/_sim/reset")  # the same answer variants again
            stack.slow(MODEL, 300)
            faulted = await stack.client.submit(request)
            await stack.until_in_flight(MODEL, at_least=2)
            await asyncio.sleep(0.4)  # some results stored, others still coming
            stack.proc("aggregator").kill()
            killed_at = time.monotonic()
            await asyncio.sleep(1.0)  # results pile up in the stream meanwhile
            stack.restart("aggregator")
            record, _ = await stack.wait_terminal(faulted.run_id, timeout_s=40)
            recovered_s = time.monotonic() - killed_at

            stack.expect(record, "complete")
            await stack.assert_every_cell_once(faulted.run_id)
            got = await stack.client.report(faulted.run_id)
            assert [(c.cell_id, c.status, c.answer) for c in got.cells] == [
                (c.cell_id, c.status, c.answer) for c in expected.cells
            ]
            print(f"aggregator SIGKILL: run complete {recovered_s:.2f}s after the kill")
