"""The judge end to end (issue #12): a request naming `judge` sends each answer's unsure verdicts
as ordinary jobs to the judge model's adapter, the simulator answers them from its own ground
truth (a seeded share wrong, a seeded share with a quote not in the answer), the aggregator keeps
each judge outcome once and reports agreement — and never changes a rule verdict.

A stack of its own (per-role NATS users as `brandlens up` runs them; the simulator with judge
error rates), so its counts cannot be disturbed by other tests.
"""

from __future__ import annotations

from collections import Counter

import pytest

from shared.errors import RequestRejected
from shared.report.formats import render
from tests.pipeline.judge_stack import ANSWERING, JUDGE, JudgedRun, JudgeStack, diagnosis, unsure_pairs


class TestJudgeJobs:
    async def test_one_judge_job_per_answer_with_unsure_verdicts_reached_the_simulator(self, judged: JudgedRun) -> None:
        """Every answer with an unsure verdict, and only those, got one judge job; the simulator saw each."""
        expected = {cell_id for cell_id, cell in judged.cells.items() if unsure_pairs(cell)}
        assert expected, "the workload must produce unsure verdicts"
        assert set(judged.judgements) == expected
        assert judged.report.judge is not None
        assert len(judged.given) == len(expected) == judged.report.judge.jobs
        assert all(entry["known_answer"] for entry in judged.given)

    async def test_each_judgement_asks_exactly_the_unsure_verdicts_of_its_cell(self, judged: JudgedRun) -> None:
        """A judge job is about the cell's unsure verdicts (rank and tone of each unsure brand), no more."""
        for cell_id, record in judged.judgements.items():
            assert [tuple(pair) for pair in record.asked] == unsure_pairs(judged.cells[cell_id])
            assert record.status == "ok" and record.judge == JUDGE
            assert record.model == judged.cells[cell_id].spec.model

    async def test_the_run_ends_after_its_judge_jobs(self, judged: JudgedRun) -> None:
        """The run completes only once every judge outcome is stored."""
        assert judged.report.status == "complete"
        assert judged.report.finished_at is not None
        assert all(r.stored_at <= judged.report.finished_at for r in judged.judgements.values())


class TestQuoteCheck:
    async def test_verdicts_with_a_quote_not_in_the_answer_are_discarded_and_counted(self, judged: JudgedRun) -> None:
        """Exactly the simulator's bad-quote verdicts are discarded (bad_quote), and all others accepted."""
        given = [v for entry in judged.given for v in entry["verdicts"]]
        bad = [v for v in given if v["bad_quote"]]
        assert bad and len(bad) < len(given)
        summary = judged.report.judge
        assert summary is not None
        assert summary.discarded_bad_quote == len(bad) and summary.discarded_invalid == 0
        assert summary.accepted == len(given) - len(bad)
        kept = Counter((v.brand, v.field, v.value, v.quote) for r in judged.judgements.values() for v in r.verdicts)
        assert kept == Counter((v["brand"], v["field"], v["value"], v["quote"]) for v in given if not v["bad_quote"])
        for cell_id, record in judged.judgements.items():
            for verdict in record.verdicts:
                assert verdict.quote in judged.cells[cell_id].result.answer


class TestAgreement:
    async def test_agreement_per_field_is_recounted_from_the_simulators_verdicts_and_the_rules(
        self, judged: JudgedRun
    ) -> None:
        """Agreement k/n per field = accepted judge verdicts equal to the stored rule verdict."""
        summary = judged.report.judge
        assert summary is not None
        for field in ("rank", "tone"):
            compared = [(cell_id, v) for cell_id, r in judged.judgements.items()
                        for v in r.verdicts if v.field == field]
            analysis = {cell_id: judged.cells[cell_id].analysis for cell_id, _ in compared}
            read = {cell_id: found for cell_id, found in analysis.items() if found is not None}
            assert len(read) == len(analysis), "a judged cell has an analysis"
            agreeing = sum(v.value == getattr(read[cell_id].brands[v.brand], field) for cell_id, v in compared)
            line = getattr(summary.agreement, field)
            assert (line.n, line.k) == (len(compared), agreeing)
            assert line.value == pytest.approx(agreeing / len(compared), abs=1e-4)
        assert sum(a.accepted for a in summary.by_model) == summary.accepted
        assert {a.model for a in summary.by_model} <= set(ANSWERING)

    async def test_wrong_judge_verdicts_show_up_as_disagreements_and_rules_stand(self, judged: JudgedRun) -> None:
        """The simulator's deliberately wrong verdicts that were accepted are listed as disagreements,
        with the rule value, and the report's cells keep the rule verdicts."""
        summary = judged.report.judge
        assert summary is not None
        wrong = [v for e in judged.given for v in e["verdicts"] if v["wrong"] and not v["bad_quote"]]
        assert wrong
        listed = {(d.brand, d.field, d.judge, d.quote) for d in summary.disagreements}
        assert {(v["brand"], v["field"], v["value"], v["quote"]) for v in wrong} <= listed
        assert len(summary.disagreements) == summary.accepted - summary.agreement.rank.k - summary.agreement.tone.k
        for view in judged.report.cells:
            stored = judged.cells[view.cell_id].analysis
            assert view.analysis is not None and stored is not None
            for name, found in stored.brands.items():
                assert (view.analysis.brands[name].rank, view.analysis.brands[name].tone) == (found.rank, found.tone)

    async def test_judge_cost_is_shown_apart_and_adds_to_the_run_cost(self, judged: JudgedRun) -> None:
        """The judge's calls are priced on their own line; the answering models here are unpriced."""
        summary = judged.report.judge
        assert summary is not None
        spend = sum(r.cost or 0.0 for r in judged.judgements.values())
        assert spend > 0
        assert summary.cost.amount == pytest.approx(spend) and summary.cost.currency == "CNY"
        assert summary.cost.priced_jobs == summary.jobs

    async def test_markdown_and_html_carry_the_judge_section(self, judged: JudgedRun) -> None:
        """Both renderings show the counts and the agreement table."""
        summary = judged.report.judge
        assert summary is not None
        for fmt in ("md", "html"):
            text = render(judged.report, fmt).decode()
            assert "Judge (second opinion)" in text
            assert f"discarded for a bad quote {summary.discarded_bad_quote}" in text


class TestReanalysis:
    async def test_reanalysis_sets_the_stored_judge_verdicts_beside_the_new_rules(
        self, judge_stack: JudgeStack, judged: JudgedRun
    ) -> None:
        """A re-analysed report keeps its judge section from the stored judgements (no new judge job);
        with the same analyser the counts are unchanged."""
        seen = judge_stack.sim_judge()["requests"]
        await judge_stack.client.reanalyze(judged.report.run_id)
        rebuilt = await judge_stack.client.report(judged.report.run_id)
        assert rebuilt.reanalysed_at is not None and rebuilt.judge is not None
        before = judged.report.judge
        assert before is not None
        assert (rebuilt.judge.jobs, rebuilt.judge.accepted, rebuilt.judge.agreement) == (
            before.jobs, before.accepted, before.agreement)
        assert judge_stack.sim_judge()["requests"] == seen


class TestWithoutJudge:
    async def test_a_run_without_judge_sends_no_judge_job(self, judge_stack: JudgeStack) -> None:
        """No `judge`: no judge request at the simulator, no judgement key, no judge section."""
        seen = judge_stack.sim_judge()["requests"]
        accepted = await judge_stack.client.submit(diagnosis())
        await judge_stack.client.wait(accepted.run_id, timeout_s=90)
        report = await judge_stack.client.report(accepted.run_id)
        assert report.status == "complete" and report.review.items, "the run had unsure verdicts to judge"
        assert judge_stack.sim_judge()["requests"] == seen
        assert await judge_stack.judgements(report.run_id) == {}
        assert report.judge is None

    async def test_an_unknown_judge_is_rejected_naming_the_field(self, judge_stack: JudgeStack) -> None:
        """`judge` must be a catalogue model: the rejection names the field and lists valid models."""
        with pytest.raises(RequestRejected) as caught:
            await judge_stack.client.submit(diagnosis(judge="no-such-model"))
        (field,) = caught.value.fields
        assert field.field == "judge" and "no-such-model" in field.reason and JUDGE in field.reason


class TestFailedJudgeJobs:
    async def test_a_failed_judge_job_is_reported_and_the_run_completes(self, judge_stack: JudgeStack) -> None:
        """Judge calls the provider filters are stored with their status, counted, and their verdicts
        unanswered; the run still completes with the rule figures."""
        judge_stack.sim_faults("POST", {"mode": "filter", "model": "deepseek-chat"})
        try:
            accepted = await judge_stack.client.submit(diagnosis(judge=JUDGE, samples=1))
            await judge_stack.client.wait(accepted.run_id, timeout_s=90)
            report = await judge_stack.client.report(accepted.run_id)
        finally:
            judge_stack.sim_faults("DELETE")
        summary = report.judge
        assert report.status == "complete" and summary is not None and summary.jobs > 0
        assert summary.by_status == {"filtered": summary.jobs}
        assert summary.accepted == 0 and summary.unanswered == summary.asked > 0
        stored = await judge_stack.judgements(report.run_id)
        assert len(stored) == summary.jobs and all(r.reason for r in stored.values())
