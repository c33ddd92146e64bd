"""The deadline passes with cells in flight: the run ends `partial` on time, and nothing is
written to its cells afterwards."""

from __future__ import annotations

import asyncio

import pytest

from tests.faults.conftest import StackFactory
from tests.faults.stack import PROVIDER_MODEL, bounded, diagnosis

pytestmark = pytest.mark.faults

HANGING = "sim-qwen"
HEALTHY = "sim-deepseek"
DEADLINE_S = 3.0
# The aggregator checks deadlines every 0.25 s; storing the missing cells and the report is quick.
ON_TIME_S = 1.5


class TestDeadline:
    async def test_run_ends_partial_at_its_deadline_and_late_cells_are_never_written(
        self, make_stack: StackFactory
    ) -> None:
        """One model hangs: at the deadline the run ends `partial` within ON_TIME_S, the hanging
        cells are `deadline_exceeded`, the provider saw the cancelled calls disconnect, and the
        cells' KV revisions do not change afterwards (no late write)."""
        stack = await make_stack([HEALTHY, HANGING])
        async with bounded(40, stack):
            # A first answer proves the credentials; until then an adapter sends one call at a time.
            warmup = await stack.client.submit(diagnosis([HEALTHY, HANGING], questions=1))
            await stack.wait_terminal(warmup.run_id, timeout_s=20)
            stack.sim("POST", "/_sim/faults", json={"mode": "hang", "model": PROVIDER_MODEL[HANGING]})
            accepted = await stack.client.submit(diagnosis([HEALTHY, HANGING], questions=4, deadline_s=DEADLINE_S))
            await stack.count_writes(accepted.run_id)
            deadline_at = (await stack.run_record(accepted.run_id)).deadline_at
            await stack.until_in_flight(HANGING, at_least=4)
            record, seen_at = await stack.wait_terminal(accepted.run_id, timeout_s=DEADLINE_S + 10)
            assert record.finished_at is not None
            late_by = record.finished_at - deadline_at

            stack.expect(record, "partial")
            assert 0 <= late_by < ON_TIME_S, late_by
            stored = await stack.assert_every_cell_once(accepted.run_id)
            statuses = {cid: rec.result.status for cid, (_rev, rec) in stored.items()}
            assert {s for cid, s in statuses.items() if cid.endswith(HANGING)} == {"deadline_exceeded"}
            assert {s for cid, s in statuses.items() if cid.endswith(HEALTHY)} == {"ok"}

            # The adapter cut the hanging calls at the deadline; its late results are dropped.
            await asyncio.sleep(2.0)
            assert stack.sim_count("disconnects", HANGING) == 4
            assert stack.sim_count("in_flight", HANGING) == 0
            assert await stack.cells(accepted.run_id) == stored
            assert sorted(stack.writes(accepted.run_id)) == sorted(stored)
            print(f"deadline: run ended {late_by:.3f}s after its deadline "
                  f"(seen {seen_at - deadline_at:.3f}s after it)")
