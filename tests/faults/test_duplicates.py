"""Jobs and results delivered twice: the create-only cell store keeps one record per cell."""

from __future__ import annotations

import asyncio
import time

import pytest
from nats.aio.msg import Msg

from shared import subjects
from shared.contracts import Job, encode
from shared.validation import plan_cells
from tests.faults.conftest import StackFactory
from tests.faults.stack import bounded, diagnosis

pytestmark = pytest.mark.faults

MODEL = "sim-deepseek"


class TestDuplicateDelivery:
    async def test_every_job_and_result_published_twice_more_still_stores_each_cell_once(
        self, make_stack: StackFactory
    ) -> None:
        """Each job republished twice and each real result republished twice, under fresh
        Nats-Msg-Ids so the streams keep them: every cell is written to KV exactly once."""
        stack = await make_stack([MODEL])
        async with bounded(60, stack):
            stack.slow(MODEL, 300)
            js = stack.client.js
            seen_results: list[Msg] = []

            async def capture(msg: Msg) -> None:
                seen_results.append(msg)

            capture_sub = await stack.client.nc.subscribe(subjects.result_subject(MODEL), cb=capture)
            accepted = await stack.client.submit(diagnosis([MODEL], questions=5, samples=2))
            await stack.count_writes(accepted.run_id)
            record = await stack.run_record(accepted.run_id)
            for copy in (1, 2):
                for cell in plan_cells(record.request):
                    job = Job(run_id=accepted.run_id, cell_id=cell.cell_id, model=MODEL, question=cell.question,
                              sample=cell.sample, deadline_at=record.deadline_at)
                    await js.publish(subjects.job_subject(MODEL), encode(job),
                                     headers={"Nats-Msg-Id": f"dup{copy}.{accepted.run_id}.{cell.cell_id}"})

            async def republish_results() -> None:
                # Each real result goes out twice more, while the run is still being stored.
                republished = 0
                while republished < accepted.cells:
                    for msg in seen_results[republished:]:
                        for copy in (1, 2):
                            await js.publish(msg.subject, msg.data,
                                             headers={"Nats-Msg-Id": f"dup{copy}.{republished}.{accepted.run_id}"})
                        republished += 1
                    await asyncio.sleep(0.01)

            republishing = asyncio.create_task(republish_results())
            final, _ = await stack.wait_terminal(accepted.run_id, timeout_s=40)
            await asyncio.wait_for(republishing, 20)
            await capture_sub.unsubscribe()
            stack.expect(final, "complete")
            stored = await stack.assert_every_cell_once(accepted.run_id)
            # Let the duplicates drain through the adapter and the aggregator, then count writes.
            await asyncio.sleep(1.5)
            writes = stack.writes(accepted.run_id)
            assert sorted(writes) == sorted(stored), writes
            assert await stack.cells(accepted.run_id) == stored  # revisions unchanged: no rewrite
            aggregator = (await stack.service_stats("brandlens-aggregator"))[0]
            assert aggregator["stored_cells"] == accepted.cells
            assert aggregator["duplicates_dropped"] + aggregator["late_results_dropped"] >= accepted.cells, aggregator

    async def test_results_republished_after_the_run_ended_write_nothing(self, make_stack: StackFactory) -> None:
        """A result arriving after the run is terminal is dropped: no KV write, no new revision."""
        stack = await make_stack([MODEL])
        async with bounded(40, stack):
            seen: list[Msg] = []

            async def capture(msg: Msg) -> None:
                seen.append(msg)

            sub = await stack.client.nc.subscribe(subjects.result_subject(MODEL), cb=capture)
            accepted = await stack.client.submit(diagnosis([MODEL], questions=4))
            await stack.wait_terminal(accepted.run_id, timeout_s=30)
            await sub.unsubscribe()
            stored = await stack.cells(accepted.run_id)
            await stack.count_writes(accepted.run_id)
            for i, msg in enumerate(seen):
                await stack.client.js.publish(msg.subject, msg.data, headers={"Nats-Msg-Id": f"late.{i}.{time.time()}"})
            await asyncio.sleep(1.5)
            assert stack.writes(accepted.run_id) == []
            assert await stack.cells(accepted.run_id) == stored
            aggregator = (await stack.service_stats("brandlens-aggregator"))[0]
            assert aggregator["late_results_dropped"] == len(seen) == accepted.cells
