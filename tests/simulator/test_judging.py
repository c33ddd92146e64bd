"""The simulator as a judge (issue #12): it reads brandlens judge prompts and answers them from the
ground truth of the answers it composed, with verbatim quotes, and errs only as configured."""

from __future__ import annotations

import httpx

from services.simulator.answers import compose_answer
from services.simulator.judging import BAD_QUOTE_MARK, JudgeAsk, read_judge_prompt, verdicts_for
from services.simulator.truth import BrandTruth
from shared.brand import Brand
from shared.judge.prompt import build_judge_prompt
from shared.judge.verdict import parse_reply
from tests.simulator.conftest import chat_text

CATEGORY = "全屋定制品牌哪家好"


def ask_about(answer: str, truths: tuple[BrandTruth, ...]) -> str:
    return build_judge_prompt(CATEGORY, answer, [Brand(name=t.name, aliases=list(t.aliases)) for t in truths])


class TestOverHttp:
    def test_a_judge_prompt_is_answered_from_the_truth_of_the_served_answer(self, http: httpx.Client) -> None:
        """Rank and tone of each brand asked equal the composer's truth; quotes are lines of the answer."""
        answer = chat_text(http, "deepseek-chat", CATEGORY)
        truths = compose_answer("deepseek-chat", CATEGORY, "", 0, False, 7).truth[:3]
        assert len(truths) == 3 and all(t.rank for t in truths)
        reply = chat_text(http, "qwen-max", ask_about(answer, truths))
        verdicts = parse_reply(reply)
        assert [(v["brand"], v["field"]) for v in verdicts] == [(t.name, f) for t in truths for f in ("rank", "tone")]
        by_key = {(v["brand"], v["field"]): v for v in verdicts}
        for truth in truths:
            assert by_key[(truth.name, "rank")]["value"] == truth.rank
            assert by_key[(truth.name, "tone")]["value"] == truth.tone
        for v in verdicts:
            assert v["quote"] and v["quote"] in answer
        log = http.get("/_sim/judge").json()
        assert log["requests"] == 1 and log["log"][0]["known_answer"] is True

    def test_an_answer_it_never_composed_gets_no_verdict(self, http: httpx.Client) -> None:
        """A judge that does not know the answer abstains (an empty list), it never guesses."""
        reply = chat_text(http, "qwen-max", build_judge_prompt("q", "1. **欧派**：好。", [Brand(name="欧派")]))
        assert parse_reply(reply) == []
        assert http.get("/_sim/judge").json()["log"][0]["known_answer"] is False

    def test_an_ordinary_question_is_not_taken_for_a_judge_prompt(self, http: httpx.Client) -> None:
        chat_text(http, "qwen-max", CATEGORY)
        assert http.get("/_sim/judge").json()["requests"] == 0


class TestReadingAndErrors:
    def test_the_prompt_brandlens_builds_is_read_back_exactly(self) -> None:
        """The simulator's copy of the markers matches shared/judge/prompt.py: answer and brands round-trip."""
        answer = "第一行\n  1. **欧派**（OPPEIN）\n<<<不是标记>>>\n"
        ask = read_judge_prompt(build_judge_prompt("q", answer, [Brand(name="欧派", aliases=["OPPEIN"])]))
        assert ask == JudgeAsk(brands=(("欧派", ("OPPEIN",)),), answer=answer)
        assert read_judge_prompt("全屋定制品牌哪家好") is None

    def test_seeded_error_rates_decide_wrong_values_and_bad_quotes(self) -> None:
        """Rate 0: the truth with verbatim quotes; rate 1: every value wrong and every quote not in the
        answer; the same seed gives the same verdicts."""
        answer = compose_answer("deepseek-chat", CATEGORY, "", 0, False, 7)
        ask = JudgeAsk(brands=tuple((t.name, t.aliases) for t in answer.truth), answer=answer.content)
        perfect = verdicts_for(ask, answer.truth, seed=1, wrong_rate=0.0, bad_quote_rate=0.0)
        broken = verdicts_for(ask, answer.truth, seed=1, wrong_rate=1.0, bad_quote_rate=1.0)
        assert not any(v.wrong or v.bad_quote for v in perfect)
        assert all(v.quote in answer.content for v in perfect)
        assert all(v.wrong and v.bad_quote and v.quote.endswith(BAD_QUOTE_MARK) for v in broken)
        assert all(v.quote not in answer.content for v in broken)
        assert [v.value for v in perfect] != [v.value for v in broken]
        mixed = [verdicts_for(ask, answer.truth, seed=3, wrong_rate=0.5, bad_quote_rate=0.5) for _ in range(2)]
        assert mixed[0] == mixed[1]


class TestTruth:
    def test_truth_follows_the_labelling_guide(self) -> None:
        """Options rank in reading order; a stated drawback makes a listed brand neutral; the subject of an
        answer about itself is unranked; a comparison ranks its sections in the question's order."""
        consultant = compose_answer("deepseek-chat", CATEGORY, "", 0, False, 7)  # options with 不足
        assert [t.rank for t in consultant.truth] == list(range(1, len(consultant.truth) + 1))
        assert {t.tone for t in consultant.truth} == {"neutral"}
        about = compose_answer("deepseek-chat", "欧派全屋定制口碑怎么样", "", 0, False, 7)
        subject = about.truth[0]
        assert subject.name.startswith("欧派") and subject.rank is None
        assert all(t.rank is None for t in about.truth)
        compared = compose_answer("deepseek-chat", "欧派和索菲亚哪个好", "", 0, False, 7)
        expected = [("欧派", 1, "neutral"), ("索菲", 2, "neutral")]
        assert [(t.name[:2], t.rank, t.tone) for t in compared.truth] == expected
