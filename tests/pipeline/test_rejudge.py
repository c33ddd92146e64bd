"""The judge around a run's life (issue #12): judging shows in progress, published judge jobs are
recorded and paced, and a re-analysis sends judge jobs for the answers its rules leave unsure
that no judge has read — once, within the run's max_cost — and rebuilds the report when they are in.

The re-analysed runs are copies of the live judged run (the simulator's own answers, so its judge
knows them) stored as a finished run whose cells an older analyser read (no brand seen, nothing
unsure), as tests/cli/seed.py does for other re-analysis tests.
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator
from typing import cast

import msgspec
import pytest

from services.cli.progress import ProgressBar
from services.cli.tools import summary_lines
from shared import subjects
from shared.catalogue import load_catalogue
from shared.client import BrandlensClient
from shared.contracts import CellRecord, Progress, encode, run_decoder
from shared.judge.types import JudgeAsk, JudgeField, JudgeRecord
from shared.report import Report, build_report, render
from shared.report.types import ReanalysisSummary
from tests.cli.seed import new_run_id, stale
from tests.pipeline.judge_stack import JUDGE, JudgedRun, JudgeStack, unsure_pairs


@pytest.fixture(scope="module")
async def operator(judge_stack: JudgeStack) -> AsyncIterator[BrandlensClient]:
    """A connection with the operator role, which may write the stores (the seeding below)."""
    assert judge_stack.harness.nats is not None
    client = await BrandlensClient.connect(judge_stack.harness.nats.url,
                                           settings=judge_stack.harness.settings("operator"), timeout_s=10)
    try:
        yield client
    finally:
        await client.close()


async def seed_stale_copy(operator: BrandlensClient, judged: JudgedRun, *, cell_cost: float | None = None,
                          max_cost: float | None = None) -> str:
    """The judged run stored again as a finished run whose cells an older analyser read."""
    js = operator.js
    runs = await js.key_value(subjects.RUNS_BUCKET)
    record = run_decoder.decode((await runs.get(judged.report.run_id)).value or b"")
    run_id = new_run_id()
    request = msgspec.structs.replace(record.request, max_cost=max_cost)
    copy = msgspec.structs.replace(record, run_id=run_id, request=request, judge_jobs=0, judged=0)
    cells: list[CellRecord] = []
    for cell in judged.cells.values():
        result = msgspec.structs.replace(cell.result, run_id=run_id,
                                         cost=cell_cost if cell_cost is not None else cell.result.cost)
        cells.append(msgspec.structs.replace(
            cell, result=result, analysis=stale(cell.analysis) if cell.analysis is not None else None))
    cells_kv = await js.key_value(subjects.CELLS_BUCKET)
    await asyncio.gather(*(cells_kv.create(subjects.cell_key(run_id, c.spec.cell_id), encode(c)) for c in cells))
    store = await js.object_store(subjects.REPORTS_STORE)
    await store.put(run_id, render(build_report(copy, cells), "json"))
    await runs.create(run_id, encode(copy))
    return run_id


def newly_unsure(judged: JudgedRun) -> dict[str, list[tuple[str, str]]]:
    """Cells the current analyser leaves unsure (the stale copy's stored reading saw nothing)."""
    return {cell_id: pairs for cell_id, cell in judged.cells.items() if (pairs := unsure_pairs(cell))}


async def report_when_judged(stack: JudgeStack, run_id: str, timeout_s: float = 30.0) -> Report:
    """The run's report once no judge job of its re-analysis is pending (the aggregator rebuilds it)."""
    deadline = time.monotonic() + timeout_s
    while True:
        report = await stack.client.report(run_id)
        if report.judge is not None and report.judge.pending == 0 and report.judge.jobs > 0:
            return report
        assert time.monotonic() < deadline, f"still pending: {report.judge}"
        await asyncio.sleep(0.2)


async def settled(stack: JudgeStack, run_id: str, timeout_s: float = 30.0) -> dict[str, JudgeRecord]:
    """The run's judgements once every recorded judge job has one and no new job came for a second."""
    deadline = time.monotonic() + timeout_s
    last: tuple[int, int] = (-1, -1)
    while True:
        asks, stored = await stack.asks(run_id), await stack.judgements(run_id)
        now = (len(asks), len(stored))
        if now == last and set(asks) == set(stored):
            return stored
        last = now
        assert time.monotonic() < deadline, f"not settled: {now}"
        await asyncio.sleep(1.0)


class TestProgress:
    async def test_completion_and_status_count_the_judge_jobs(self, judged: JudgedRun) -> None:
        """The completion event and the finished run's status carry judge jobs and stored outcomes."""
        jobs = len(judged.judgements)
        assert jobs > 0
        assert (judged.completed.judge_jobs, judged.completed.judged) == (jobs, jobs)
        assert (judged.status["judge"], judged.status["judge_jobs"], judged.status["judged"]) == (JUDGE, jobs, jobs)

    def test_the_progress_line_shows_judging(self) -> None:
        """While a run waits for its judge, the CLI line says how many judge outcomes are in."""
        sink = io.StringIO()  # not a tty: one line per update
        bar = ProgressBar(6, stream=sink)
        bar.update(Progress(run_id="r1", stage="running", done=6, total=6, by_status={"ok": 6},
                            judge_jobs=5, judged=3))
        assert "judge 3/5" in sink.getvalue()
        sink.seek(0)
        sink.truncate()
        bar.update(Progress(run_id="r1", stage="running", done=6, total=6, by_status={"ok": 6}))
        assert "judge" not in sink.getvalue()


class TestRecordedJudgeJobs:
    async def test_every_published_judge_job_is_recorded_once(self, judge_stack: JudgeStack, judged: JudgedRun) -> None:
        """Each judge job is recorded (asked.<run>.<cell>) with what it asked, by the live run."""
        asks = await judge_stack.asks(judged.report.run_id)
        assert set(asks) == set(judged.judgements)
        for cell_id, ask in asks.items():
            assert ask.by == "run" and ask.judge == JUDGE
            assert ask.asked == judged.judgements[cell_id].asked


class TestReanalysisJudging:
    async def test_newly_unsure_answers_get_one_judge_job_each_and_the_report_is_rebuilt(
        self, judge_stack: JudgeStack, judged: JudgedRun, operator: BrandlensClient
    ) -> None:
        """A re-analysis sends a judge job for each answer its rules leave unsure (counted at the
        simulator and in KV), and the report is rebuilt with their verdicts once all are in."""
        expected = newly_unsure(judged)
        run_id = await seed_stale_copy(operator, judged)
        seen = judge_stack.sim_judge()["requests"]
        summary = await judge_stack.client.reanalyze(run_id)
        sent = (summary.judge_jobs, summary.judge_pending, summary.judge_over_budget)
        assert sent == (len(expected), len(expected), 0)
        report = await report_when_judged(judge_stack, run_id)
        given = judge_stack.sim_judge()
        assert given["requests"] - seen == len(expected)
        stored = await judge_stack.judgements(run_id)
        assert {cell_id: [tuple(p) for p in r.asked] for cell_id, r in stored.items()} == expected
        asks = await judge_stack.asks(run_id)
        assert set(asks) == set(expected) and all(a.by == "reanalysis" for a in asks.values())
        summary_now = report.judge
        assert summary_now is not None and summary_now.jobs == len(expected)
        verdicts = [v for entry in given["log"][seen:] for v in entry["verdicts"]]
        assert summary_now.accepted == sum(not v["bad_quote"] for v in verdicts)
        assert summary_now.discarded_bad_quote == sum(v["bad_quote"] for v in verdicts)

    async def test_a_second_reanalysis_sends_no_judge_job(
        self, judge_stack: JudgeStack, judged: JudgedRun, operator: BrandlensClient
    ) -> None:
        """Answers already judged (or with a judge job out) are not sent again."""
        run_id = await seed_stale_copy(operator, judged)
        await judge_stack.client.reanalyze(run_id)
        await report_when_judged(judge_stack, run_id)
        seen = judge_stack.sim_judge()["requests"]
        again = await judge_stack.client.reanalyze(run_id)
        assert (again.judge_jobs, again.judge_pending) == (0, 0)
        report = await judge_stack.client.report(run_id)
        assert report.judge is not None and report.judge.jobs == len(newly_unsure(judged))
        await asyncio.sleep(0.5)
        assert judge_stack.sim_judge()["requests"] == seen

    async def test_a_run_that_spent_its_max_cost_sends_no_judge_job(
        self, judge_stack: JudgeStack, judged: JudgedRun, operator: BrandlensClient
    ) -> None:
        """Over budget, the newly unsure answers are counted as not sent and nothing reaches the judge."""
        run_id = await seed_stale_copy(operator, judged, cell_cost=0.01, max_cost=0.01)
        seen = judge_stack.sim_judge()["requests"]
        summary = await judge_stack.client.reanalyze(run_id)
        assert (summary.judge_jobs, summary.judge_over_budget) == (0, len(newly_unsure(judged)))
        assert await judge_stack.asks(run_id) == {}
        await asyncio.sleep(0.5)
        assert judge_stack.sim_judge()["requests"] == seen
        assert await judge_stack.judgements(run_id) == {}


    def test_the_cli_summary_says_what_was_asked_of_the_judge(self) -> None:
        """`brandlens reanalyze` prints the judge jobs sent, pending and not sent; nothing without any."""
        text = "\n".join(summary_lines(ReanalysisSummary(run_id="r1", judge_jobs=3, judge_pending=4,
                                                          judge_over_budget=2)))
        assert "judge: 3 judge jobs sent for answers now unsure, 4 pending, 2 not sent" in text
        assert "judge" not in "\n".join(summary_lines(ReanalysisSummary(run_id="r1")))

    async def test_with_no_judgement_to_price_from_the_catalogue_cost_of_a_judge_job_bounds_what_is_sent(
        self, judge_stack: JudgeStack, judged: JudgedRun, operator: BrandlensClient
    ) -> None:
        """A run whose judge never ran, with a max_cost of 2.5 judge jobs at the catalogue's expected
        cost of one: the re-analysis sends 3 (the spend so far plus those sent stays under it before
        each) and counts the rest as not sent. Each rebuild that follows is a re-analysis too, priced
        by the judgements now stored: it sends more only while the run's real spend allows, so the
        judge's total spend ends within max_cost plus one job."""
        catalogue = load_catalogue(judge_stack.harness.catalogue, {"BRANDLENS_SIMULATOR_URL": "http://x"})
        per_job = catalogue.models[JUDGE].estimated_judge_cost()
        assert per_job is not None and per_job > 0
        expected = newly_unsure(judged)
        assert len(expected) > 3
        max_cost = 2.5 * per_job
        run_id = await seed_stale_copy(operator, judged, max_cost=max_cost)
        seen = judge_stack.sim_judge()["requests"]
        summary = await judge_stack.client.reanalyze(run_id)
        assert (summary.judge_jobs, summary.judge_over_budget) == (3, len(expected) - 3)
        stored = await settled(judge_stack, run_id)
        asks = await judge_stack.asks(run_id)
        assert set(stored) == set(asks) and len(asks) >= 3
        assert judge_stack.sim_judge()["requests"] - seen == len(asks)
        costs = [r.cost or 0.0 for r in stored.values()]
        assert sum(costs) - max(costs) < max_cost

    async def test_an_expired_judge_job_is_asked_again(
        self, judge_stack: JudgeStack, judged: JudgedRun, operator: BrandlensClient
    ) -> None:
        """A recorded judge job that never got an outcome and is past its time is claimed again (by
        its revision) and re-sent; one still in time is left alone."""
        expected = newly_unsure(judged)
        stale_cell, fresh_cell = sorted(expected)[:2]
        run_id = await seed_stale_copy(operator, judged)
        kv = await operator.js.key_value(subjects.JUDGEMENTS_BUCKET)
        for cell_id, sent_at in ((stale_cell, time.time() - 3600), (fresh_cell, time.time())):
            asked = cast(list[tuple[str, JudgeField]], expected[cell_id])  # unsure_pairs gives rank/tone fields
            ask = JudgeAsk(run_id=run_id, cell_id=cell_id, judge=JUDGE, asked=asked, sent_at=sent_at, by="reanalysis")
            await kv.create(subjects.judge_ask_key(run_id, cell_id), encode(ask))
        summary = await judge_stack.client.reanalyze(run_id)
        assert summary.judge_jobs == len(expected) - 1
        asks = await judge_stack.asks(run_id)
        assert asks[stale_cell].sent_at > time.time() - 60
        # Every answer but the one whose job is still in time gets its verdict.
        deadline = time.monotonic() + 30
        while set(await judge_stack.judgements(run_id)) != set(expected) - {fresh_cell}:
            assert time.monotonic() < deadline, "the re-sent judge jobs did not all come back"
            await asyncio.sleep(0.3)
