"""The report's judge section (shared/report/judge.py, judge_render.py) from stored judge records."""

from __future__ import annotations

from shared.brand import Brand
from shared.contracts import CellRecord, CellResult, CellSpec, DiagnosisRequest
from shared.judge.types import DiscardedVerdict, JudgeRecord, JudgeVerdict
from shared.report.judge import judge_summary
from shared.report.judge_render import judge_html, judge_markdown

REQUEST = DiagnosisRequest(brand=Brand(name="欧派"), competitors=[Brand(name="志邦")], questions=["q1", "q2"],
                           models=["sim-b", "sim-a"], judge="sim-j")


def cell(cell_id: str, model: str, question_index: int) -> CellRecord:
    spec = CellSpec(cell_id=cell_id, question_index=question_index, question="q", model=model, sample=0)
    return CellRecord(spec=spec, result=CellResult(run_id="r", cell_id=cell_id, model=model, status="ok"))


def accepted(brand: str, field: str, value: object, rule: object) -> JudgeVerdict:
    # Typed loosely on purpose: the tests pass literal fields and values the struct's types cover.
    return JudgeVerdict(brand=brand, field=field, value=value, quote=f"<{brand}>", rule=rule,  # type: ignore[arg-type]  # see above
                        agrees=value == rule)


CELLS = [cell("q1.a", "sim-a", 0), cell("q1.b", "sim-b", 0), cell("q2.a", "sim-a", 1), cell("q2.b", "sim-b", 1)]
RECORDS = {
    "q1.a": JudgeRecord(run_id="r", cell_id="q1.a", model="sim-a", judge="sim-j", status="ok", cost=0.5,
                        currency="CNY", asked=[("欧派", "rank"), ("欧派", "tone")],
                        verdicts=[accepted("欧派", "rank", 1, 1), accepted("欧派", "tone", "neutral", "positive")]),
    "q1.b": JudgeRecord(run_id="r", cell_id="q1.b", model="sim-b", judge="sim-j", status="ok", cost=0.25,
                        currency="CNY", asked=[("志邦", "rank"), ("志邦", "tone")],
                        verdicts=[accepted("志邦", "rank", None, None)],
                        discarded=[DiscardedVerdict(brand="志邦", field="tone", reason="bad_quote"),
                                   DiscardedVerdict(brand="金牌", field="rank", reason="invalid")]),
    "q2.a": JudgeRecord(run_id="r", cell_id="q2.a", model="sim-a", judge="sim-j", status="timeout",
                        asked=[("欧派", "rank"), ("欧派", "tone")], reason="timed out"),
    "q2.b": JudgeRecord(run_id="r", cell_id="q2.b", model="sim-b", judge="sim-j", status="budget_exceeded",
                        asked=[("志邦", "rank"), ("志邦", "tone")]),
}


class TestCounts:
    def test_jobs_verdicts_and_fates_add_up(self) -> None:
        """Sent = accepted + discarded for an asked verdict + unanswered; failed jobs are counted by status."""
        s = judge_summary(REQUEST, CELLS, RECORDS)
        assert (s.jobs, s.by_status) == (4, {"ok": 2, "timeout": 1, "budget_exceeded": 1})
        assert (s.asked, s.accepted, s.discarded_bad_quote, s.discarded_invalid, s.unanswered) == (8, 3, 1, 1, 4)

    def test_agreement_counts_accepted_verdicts_per_field_and_model(self) -> None:
        """k of n accepted verdicts equal the rule; models in request order; discarded ones never compared."""
        s = judge_summary(REQUEST, CELLS, RECORDS)
        assert (s.agreement.rank.k, s.agreement.rank.n, s.agreement.rank.value) == (2, 2, 1.0)
        assert (s.agreement.tone.k, s.agreement.tone.n, s.agreement.tone.value) == (0, 1, 0.0)
        assert [a.model for a in s.by_model] == ["sim-b", "sim-a"]
        b = s.by_model[0]
        assert (b.jobs, b.asked, b.accepted, b.discarded, b.tone.value) == (2, 4, 1, 2, None)
        assert b.tone.reason

    def test_disagreements_list_rule_and_judge_values_with_the_quote(self) -> None:
        (d,) = judge_summary(REQUEST, CELLS, RECORDS).disagreements
        assert (d.cell_id, d.brand, d.field, d.rule, d.judge, d.quote) == (
            "q1.a", "欧派", "tone", "positive", "neutral", "<欧派>")

    def test_judge_cost_is_the_sum_of_sent_jobs_and_unpriced_ones_are_named(self) -> None:
        """A job held back by the budget cost nothing; one sent without a cost makes the total partial."""
        cost = judge_summary(REQUEST, CELLS, RECORDS).cost
        assert (cost.amount, cost.currency, cost.priced_jobs, cost.unpriced_jobs) == (0.75, "CNY", 2, 1)
        assert cost.reason and "1 judge jobs" in cost.reason
        mixed = dict(RECORDS)
        mixed["q2.a"] = JudgeRecord(run_id="r", cell_id="q2.a", model="sim-a", judge="sim-j", status="ok",
                                    cost=1.0, currency="USD")
        assert judge_summary(REQUEST, CELLS, mixed).cost.amount is None


class TestRendering:
    def test_markdown_and_html_escape_quotes_and_show_the_counts(self) -> None:
        s = judge_summary(REQUEST, CELLS, RECORDS)
        md = "\n".join(judge_markdown(s))
        page = judge_html(s)
        for text in (md, page):
            assert "&lt;欧派&gt;" in text and "<欧派>" not in text
            assert "discarded for a bad quote 1" in text and "unanswered 4" in text
            assert "rules positive, judge neutral" in text
        assert "| all models | 4 | 8 | 3 | 2 | 100% (2/2) | 0% (0/1) |" in md
