"""The judge's prompt, reply parsing and verbatim-quote check (shared/judge), without a bus."""

from __future__ import annotations

import json

import pytest

from shared.analysis import analyse
from shared.analysis.types import AnswerAnalysis, BrandAnalysis
from shared.brand import Brand
from shared.contracts import CellRecord, CellResult, CellSpec, CellStatus, DiagnosisRequest, ErrorInfo
from shared.judge.prompt import ANSWER_END, ANSWER_START, JUDGE_MARKER, build_judge_prompt
from shared.judge.select import tracked, verdicts_to_judge
from shared.judge.types import DiscardedVerdict, JudgeField, JudgeVerdict
from shared.judge.verdict import ReplyInvalid, brand_names, check_verdicts, judge_record, parse_reply

ANSWER = ("以下是推荐：\n1. **欧派**：规模大，但价格偏高。\n2. **索菲亚**：柜类专家。\n"
          "如果预算有限，也可以看看志邦。")
BRANDS = [Brand(name="欧派", aliases=["OPPEIN"]), Brand(name="索菲亚", aliases=["SOGAL"]), Brand(name="志邦")]
RULES = {
    "欧派": BrandAnalysis(mentioned=True, rank=1, tone="neutral", confidence="unsure"),
    "索菲亚": BrandAnalysis(mentioned=True, rank=2, tone="positive"),
    "志邦": BrandAnalysis(mentioned=True, rank=None, tone="neutral", confidence="unsure"),
}
ASKED: list[tuple[str, JudgeField]] = [("欧派", "rank"), ("欧派", "tone"), ("志邦", "rank"), ("志邦", "tone")]


def verdict(brand: str, field: str, value: object, quote: object) -> dict[str, object]:
    return {"brand": brand, "field": field, "value": value, "quote": quote}


def check(items: list[object]) -> tuple[list[JudgeVerdict], list[DiscardedVerdict]]:
    accepted, discarded = check_verdicts(items, ASKED, ANSWER, RULES, brand_names(BRANDS))
    return list(accepted), list(discarded)


class TestPrompt:
    def test_prompt_embeds_the_answer_verbatim_between_markers_and_the_brands_as_json(self) -> None:
        """Brand names and answer text stay data: JSON for names, fixed markers around the answer."""
        tricky = [Brand(name='A"}{品牌', aliases=["x\ny"])]
        prompt = build_judge_prompt("问题？", ANSWER, tricky)
        assert prompt.startswith(JUDGE_MARKER)
        assert f"{ANSWER_START}\n{ANSWER}\n{ANSWER_END}" in prompt
        assert json.dumps([{"name": 'A"}{品牌', "aliases": ["x\ny"]}], ensure_ascii=False) in prompt
        for word in ('"verdicts"', '"field"', '"rank"', '"tone"', '"quote"'):
            assert word in prompt


class TestParse:
    @pytest.mark.parametrize("reply", [
        '{"verdicts": [{"brand": "欧派", "field": "rank", "value": 1, "quote": "1. **欧派**"}]}',
        '```json\n{"verdicts": [{"brand": "欧派", "field": "rank", "value": 1, "quote": "1. **欧派**"}]}\n```',
        '好的，结果如下：\n```\n{"verdicts": [{"brand": "欧派", "field": "rank", "value": 1, '
        '"quote": "1. **欧派**"}]}\n```\n以上。',
        '评审 {如下}：[{"brand": "欧派", "field": "rank", "value": 1, "quote": "1. **欧派**"}] 完毕',
    ])
    def test_fences_text_around_and_a_bare_list_are_tolerated(self, reply: str) -> None:
        """The verdict list is found in a fence, after prose, or as a bare list."""
        assert parse_reply(reply) == [verdict("欧派", "rank", 1, "1. **欧派**")]

    @pytest.mark.parametrize("reply", ["", "我无法判断。", '{"brands": {}}', '{"verdicts": "none"}', "{" * 500])
    def test_a_reply_without_the_json_asked_for_is_unparseable(self, reply: str) -> None:
        with pytest.raises(ReplyInvalid):
            parse_reply(reply)


class TestQuoteCheck:
    def test_a_verbatim_quote_is_accepted_and_compared_with_the_rule(self) -> None:
        """Accepted verdicts carry the rule value; agreement is equality with it."""
        accepted, discarded = check([verdict("欧派", "rank", 1, " 1. **欧派**：规模大 "),
                                     verdict("OPPEIN", "tone", "positive", "但价格偏高")])
        assert discarded == []
        rank, tone = accepted
        assert (rank.brand, rank.field, rank.value, rank.rule, rank.agrees) == ("欧派", "rank", 1, 1, True)
        assert rank.quote == "1. **欧派**：规模大"
        assert (tone.brand, tone.value, tone.rule, tone.agrees) == ("欧派", "positive", "neutral", False)

    @pytest.mark.parametrize("quote", ["欧派规模大", "1. **欧派**: 规模大", "", "   ", None, 7])
    def test_a_quote_not_verbatim_in_the_answer_is_discarded_as_bad_quote(self, quote: object) -> None:
        """Paraphrased, re-punctuated, empty or missing quotes: discarded, never compared."""
        accepted, discarded = check([verdict("欧派", "rank", 1, quote)])
        assert accepted == []
        assert [d.reason for d in discarded] == ["bad_quote"]

    @pytest.mark.parametrize("item", [
        verdict("欧派", "mention", True, "欧派"),       # not a field the judge is asked
        verdict("索菲亚", "rank", 2, "索菲亚"),          # a sure verdict, not asked
        verdict("金牌", "rank", 1, "欧派"),              # not a tracked brand
        verdict("欧派", "rank", 0, "欧派"),              # ranks start at 1
        verdict("欧派", "rank", True, "欧派"),           # a bool is not a rank
        verdict("欧派", "tone", "good", "欧派"),         # outside the tone domain
        "欧派 rank 1",
    ])
    def test_verdicts_not_asked_for_or_out_of_domain_are_invalid(self, item: object) -> None:
        accepted, discarded = check([item])
        assert accepted == [] and [d.reason for d in discarded] == ["invalid"]

    def test_a_second_verdict_on_the_same_field_is_invalid_and_the_first_stands(self) -> None:
        accepted, discarded = check([verdict("志邦", "rank", None, "志邦"), verdict("志邦", "rank", 3, "志邦")])
        assert [(a.value, a.agrees) for a in accepted] == [(None, True)]
        assert [d.detail for d in discarded] == ["a second verdict on the same brand and field"]


def cell(answer: str, analysis: AnswerAnalysis | None, status: CellStatus = "ok") -> CellRecord:
    spec = CellSpec(cell_id="q1.s0.sim-a", question_index=0, question="q", model="sim-a", sample=0)
    return CellRecord(spec=spec, result=CellResult(run_id="r1", cell_id=spec.cell_id, model="sim-a",
                                                   status=status, answer=answer), analysis=analysis)


class TestSelectionAndRecord:
    def test_only_unsure_mentioned_brands_of_answered_cells_are_asked_rank_and_tone(self) -> None:
        request = DiagnosisRequest(brand=BRANDS[0], competitors=BRANDS[1:], questions=["q"], models=["sim-a"],
                                   judge="sim-j")
        analysis = AnswerAnalysis(analyser_version="t", brands=dict(RULES))
        assert verdicts_to_judge(request, cell(ANSWER, analysis)) == ASKED
        assert verdicts_to_judge(request, cell("", None, status="timeout")) == []
        request.judge = None
        assert verdicts_to_judge(request, cell(ANSWER, analysis)) == []
        assert [b.aliases for b in tracked(request, ["欧派", "欧派", "志邦"])] == [["OPPEIN"], []]

    def test_a_failed_or_unparseable_judge_job_is_recorded_without_verdicts(self) -> None:
        """Failure is an outcome: status and reason kept, nothing accepted."""
        analysed = cell(ANSWER, analyse(ANSWER, BRANDS[0], BRANDS[1:]))
        failed = CellResult(run_id="r1", cell_id="q1.s0.sim-a:judge", model="sim-j", status="timeout",
                            error=ErrorInfo(error_class="timeout", message="the call timed out"))
        record = judge_record(failed, analysed, "sim-j", ASKED, BRANDS)
        assert (record.status, record.reason, record.verdicts, record.unparseable) == (
            "timeout", "the call timed out", [], False)
        garbled = CellResult(run_id="r1", cell_id="q1.s0.sim-a:judge", model="sim-j", status="ok", answer="不知道")
        record = judge_record(garbled, analysed, "sim-j", ASKED, BRANDS)
        assert record.unparseable and record.verdicts == [] and record.reason
