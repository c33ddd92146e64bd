"""Any prompt text gets a well-formed answer from every persona: the composer never raises."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from services.simulator.answers import compose_answer
from services.simulator.prompts import parse_prompt

MODELS = ("deepseek-chat", "qwen-max", "doubao-seed-1-6", "glm-4", "kimi-k2", "ernie-4.5", "gpt-4o",
          "claude-sonnet-4-5", "gemini-2.5-flash", "sonar-pro", "some-unknown-model")
FRAGMENTS = ("全屋定制", "品牌", "哪家好", "欧派", "志邦", "口碑怎么样", "推荐", "手机", "和", "元若曦", "GEO",
             "介绍一下", "geo_analysis", "品牌：", "\n", " ", "iPhone", "NB", "？")


@settings(max_examples=150, deadline=None)
@given(
    model=st.sampled_from(MODELS),
    parts=st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=8),
    variant=st.integers(min_value=0, max_value=2**31),
)
def test_any_question_gets_a_non_empty_answer(model: str, parts: list[str], variant: int) -> None:
    """Whatever the user message, every persona returns non-empty content, and asks for the self-report get it."""
    prompt = parse_prompt([], ["".join(parts)], [])
    answer = compose_answer(model, prompt.question, prompt.main_brand, variant, prompt.wants_geo)
    assert answer.content.strip()
    assert answer.completion_tokens > 0
    assert ("geo_analysis" in answer.content) == prompt.wants_geo
