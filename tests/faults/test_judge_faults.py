"""Judge outcomes are stored exactly once (KV create-only) through duplicated results and an
aggregator killed while judge jobs are in flight (issue #12)."""

from __future__ import annotations

import asyncio

import pytest
from nats.aio.msg import Msg

from services.aggregator.judge import JUDGE_IN_FLIGHT
from shared import subjects
from shared.bus import kv_keys
from shared.judge.types import judge_ask_decoder, judge_record_decoder
from tests.faults.conftest import StackFactory
from tests.faults.stack import FaultStack, bounded, diagnosis

pytestmark = pytest.mark.faults

ANSWERING = ["sim-qwen", "sim-doubao"]
JUDGE = "sim-deepseek"
# Layouts that leave some verdicts unsure (a comparison, an answer about the brand, a category list).
QUESTIONS = ["全屋定制品牌哪家好", "欧派和索菲亚哪个好", "全屋定制十大品牌推荐", "欧派全屋定制口碑怎么样"]


def judged_request() -> dict[str, object]:
    request = diagnosis(ANSWERING, samples=3, judge=JUDGE)
    request["questions"] = QUESTIONS
    return request


async def judgement_writes(stack: FaultStack, run_id: str) -> list[str]:
    """Every write to the run's judgement keys from now on (each KV put is a message)."""
    writes: list[str] = []

    async def on_write(msg: Msg) -> None:
        writes.append(msg.subject)

    await stack.client.nc.subscribe(f"$KV.{subjects.JUDGEMENTS_BUCKET}.{run_id}.>", cb=on_write)
    await stack.client.nc.flush()
    return writes


async def judged_cells(stack: FaultStack, run_id: str) -> set[str]:
    """Stored cells with an unsure verdict on a mentioned brand: exactly those the judge re-reads."""
    return {cell_id for cell_id, (_rev, cell) in (await stack.cells(run_id)).items()
            if cell.analysis is not None
            and any(b.mentioned and b.confidence == "unsure" for b in cell.analysis.brands.values())}


def judge_requests(stack: FaultStack) -> int:
    return int(stack.sim("GET", "/_sim/judge")["requests"])


class TestJudgeExactlyOnce:
    async def test_duplicated_judge_results_store_each_judgement_once(self, make_stack: StackFactory) -> None:
        """Each judge result republished twice under fresh Nats-Msg-Ids: one write per judged cell."""
        stack = await make_stack([*ANSWERING, JUDGE])
        async with bounded(60, stack):
            stack.slow(JUDGE, 200)
            copies = 0

            async def republish(msg: Msg) -> None:
                nonlocal copies
                for copy in (1, 2):
                    await stack.client.js.publish(msg.subject, msg.data,
                                                  headers={"Nats-Msg-Id": f"dup{copy}.{copies}"})
                copies += 1

            await stack.client.nc.subscribe(subjects.result_subject(JUDGE), cb=republish)
            accepted = await stack.client.submit(judged_request())
            writes = await judgement_writes(stack, accepted.run_id)
            record, _ = await stack.wait_terminal(accepted.run_id)
            stack.expect(record, "complete")
            expected = await judged_cells(stack, accepted.run_id)
            assert expected and copies >= 1
            keys = await kv_keys(stack.client.js, subjects.JUDGEMENTS_BUCKET, f"{accepted.run_id}.>")
            assert sorted(keys) == sorted(f"{accepted.run_id}.{c}" for c in expected)
            assert len(writes) == len(keys), writes
            report = await stack.client.report(accepted.run_id)
            assert report.judge is not None and report.judge.jobs == len(expected)

    async def test_an_aggregator_killed_while_judging_resumes_and_judges_each_cell_once(
        self, make_stack: StackFactory
    ) -> None:
        """SIGKILL the aggregator once judge calls are under way and start it again: the run completes,
        every judged cell has one judgement written once, and the re-sent judge jobs are deduplicated
        by their Nats-Msg-Id (the simulator is asked once per judged cell)."""
        stack = await make_stack([*ANSWERING, JUDGE])
        async with bounded(90, stack):
            stack.slow(JUDGE, 1500)
            accepted = await stack.client.submit(judged_request())
            writes = await judgement_writes(stack, accepted.run_id)
            for _ in range(600):  # until the first judge call is under way (bounded above)
                if judge_requests(stack) > 0:
                    break
                await asyncio.sleep(0.05)
            stack.proc("aggregator").kill()
            stack.restart("aggregator")
            record, _ = await stack.wait_terminal(accepted.run_id, timeout_s=60)
            stack.expect(record, "complete")
            expected = await judged_cells(stack, accepted.run_id)
            keys = await kv_keys(stack.client.js, subjects.JUDGEMENTS_BUCKET, f"{accepted.run_id}.>")
            assert len(keys) == len(expected) == len(set(writes)) == len(writes)
            assert judge_requests(stack) == len(expected)

    async def test_judge_jobs_out_are_not_sent_again_after_a_restart_past_the_duplicate_window(
        self, make_stack: StackFactory
    ) -> None:
        """With a 1 s duplicate window, SIGKILL the aggregator while judge calls are under way and
        start it 2 s later, before those calls end: the stream would take a re-sent judge job as
        new, so only the recorded judge jobs (JudgeAsk) keep each judged cell to one judge call at
        the simulator (without them: 16 calls for 12 cells)."""
        stack = await make_stack([*ANSWERING, JUDGE], env={"BRANDLENS_DEDUPE_WINDOW_S": "1"})
        async with bounded(90, stack):
            stack.slow(JUDGE, 6000)
            accepted = await stack.client.submit(judged_request())
            for _ in range(600):  # until the first judge call is under way (bounded above)
                if judge_requests(stack) > 0:
                    break
                await asyncio.sleep(0.05)
            stack.proc("aggregator").kill()
            await asyncio.sleep(2)
            stack.restart("aggregator")
            record, _ = await stack.wait_terminal(accepted.run_id, timeout_s=60)
            stack.expect(record, "complete")
            expected = await judged_cells(stack, accepted.run_id)
            asks = await kv_keys(stack.client.js, subjects.JUDGEMENTS_BUCKET,
                                 f"{subjects.JUDGE_ASK_PREFIX}.{accepted.run_id}.>")
            assert expected and len(asks) == len(expected)
            assert judge_requests(stack) == len(expected)


class TestJudgePacing:
    async def test_no_more_than_the_window_of_judge_jobs_is_out_at_once(self, make_stack: StackFactory) -> None:
        """With a slow judge, fewer than JUDGE_IN_FLIGHT other judge jobs of the run are out (published,
        no stored outcome) whenever one is published — from the recorded send and store times — so
        spend is checked against max_cost as outcomes come in."""
        stack = await make_stack([*ANSWERING, JUDGE])
        async with bounded(90, stack):
            stack.slow(JUDGE, 1000)
            accepted = await stack.client.submit(judged_request())
            record, _ = await stack.wait_terminal(accepted.run_id, timeout_s=60)
            stack.expect(record, "complete")
            kv = await stack.client.js.key_value(subjects.JUDGEMENTS_BUCKET)
            keys = await kv_keys(stack.client.js, subjects.JUDGEMENTS_BUCKET,
                                 f"{subjects.JUDGE_ASK_PREFIX}.{accepted.run_id}.>")
            sent = [judge_ask_decoder.decode((await kv.get(k)).value or b"").sent_at for k in keys]
            stored = [judge_record_decoder.decode((await kv.get(k)).value or b"").stored_at
                      for k in await kv_keys(stack.client.js, subjects.JUDGEMENTS_BUCKET, f"{accepted.run_id}.>")]
            assert len(sent) == len(stored) > JUDGE_IN_FLIGHT, "the workload must need more judge jobs than the window"
            most_out = max(sum(s <= t for s in sent) - sum(s <= t for s in stored) for t in sent)
            assert most_out == JUDGE_IN_FLIGHT
