"""A job that crashes its handler on every delivery ends as `crashed`, and the run still ends."""

from __future__ import annotations

import time

import pytest

from shared import subjects
from tests.faults.conftest import StackFactory
from tests.faults.stack import bounded, diagnosis

pytestmark = pytest.mark.faults

MODEL = "sim-deepseek"
MAX_DELIVER = 3


class TestPoisonJob:
    async def test_a_job_that_always_crashes_ends_as_crashed_after_max_deliver(
        self, make_stack: StackFactory
    ) -> None:
        """With the test wrapper's --crash-cells matching one cell, that cell is delivered MaxDeliver
        times, the MaxDeliver advisory is consumed, the cell is stored once as `crashed` and the
        run ends `partial` long before its deadline; the advisory and the job are gone."""
        stack = await make_stack(
            [MODEL],
            env={"BRANDLENS_ACK_WAIT_S": "1", "BRANDLENS_MAX_DELIVER": str(MAX_DELIVER)},
            crash_cells={MODEL: "q2.*"},
        )
        async with bounded(40, stack):
            started = time.monotonic()
            accepted = await stack.client.submit(diagnosis([MODEL], questions=3, deadline_s=60))
            await stack.count_writes(accepted.run_id)
            record, _ = await stack.wait_terminal(accepted.run_id, timeout_s=30)
            elapsed = time.monotonic() - started

            stack.expect(record, "partial")
            stored = await stack.assert_every_cell_once(accepted.run_id)
            crashed = {cell_id: rec for cell_id, (_rev, rec) in stored.items() if rec.result.status == "crashed"}
            assert sorted(crashed) == ["q2.s1.sim-deepseek"] or sorted(crashed) == [
                c for c in stored if c.startswith("q2.")
            ], sorted(crashed)
            for rec in crashed.values():
                assert rec.result.attempts == MAX_DELIVER
                assert rec.result.error is not None and rec.result.error.error_class == "crashed"
            assert {rec.result.status for cid, (_r, rec) in stored.items() if cid not in crashed} == {"ok"}
            assert sorted(stack.writes(accepted.run_id)) == sorted(stored)
            # The crashing cell never reached the provider; the others did once each.
            assert stack.sim_count("requests", MODEL) == accepted.cells - len(crashed)
            advisories = await stack.client.js.stream_info(subjects.ADVISORIES_STREAM)
            assert advisories.state.messages == 0 and advisories.state.last_seq >= len(crashed)
            jobs = await stack.client.js.stream_info(subjects.JOBS_STREAM)
            assert jobs.state.messages == 0
            aggregator = (await stack.service_stats("brandlens-aggregator"))[0]
            assert aggregator["crashed_jobs"] == len(crashed)
            print(f"poison job: run ended partial after {elapsed:.2f}s (deadline 60 s)")
