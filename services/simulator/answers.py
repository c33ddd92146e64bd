"""Composing a persona's answer to a brand question, plus its optional `geo_analysis` self-report.

Everything is a pure function of (model, question, main brand, variant, world seed), cached, so a
zero-latency request costs a dictionary lookup. One answer is three steps, each in its own module:
the plan (answer_plan.py: which kind of answer, which brands in which order, which sources), the
text (category_layouts.py, subject_answers.py), and the self-report (self_report.py).
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from dataclasses import dataclass

from services.simulator.answer_plan import AnswerPlan, plan_answer
from services.simulator.category_layouts import category_answer
from services.simulator.cited_sources import CitedSource
from services.simulator.draws import unit
from services.simulator.personas import persona_for
from services.simulator.prompts import estimate_tokens
from services.simulator.self_report import main_brand_report, render_geo
from services.simulator.subject_answers import (
    brand_answer,
    comparison_answer,
    generic_answer,
    unknown_brand_answer,
)
from services.simulator.truth import BrandTruth


@dataclass(frozen=True, slots=True)
class Answer:
    content: str
    reasoning: str
    sources: tuple[CitedSource, ...]
    completion_tokens: int
    reasoning_tokens: int
    search_query: str
    # What the answer says about each brand (truth.py): how the simulator answers a judge.
    truth: tuple[BrandTruth, ...] = ()


@functools.lru_cache(maxsize=16384)
def compose_answer(model: str, question: str, main_brand: str, variant: int, want_geo: bool,
                   world_seed: int = 0, left_out: tuple[str, ...] = ()) -> Answer:
    """`left_out`: brands a visibility shift removes from this answer's recommended options."""
    persona = persona_for(model)
    rng = random.Random(int(unit(model, question, main_brand, variant, world_seed) * 2**53))
    # One rng for the whole answer, drawn in this order: plan, text, self-report.
    plan = plan_answer(persona, model, question, main_brand, variant, rng, left_out)
    body = _TEXT[plan.kind](plan, rng)
    content = body
    if want_geo:
        content = body + "\n\n" + render_geo(main_brand_report(plan, body), plan.sources, persona, rng)
    reasoning = _reasoning(plan) if "reasoner" in model.lower() or model.lower().startswith("qwq") else ""
    return Answer(
        content=content,
        reasoning=reasoning,
        sources=tuple(plan.sources),
        completion_tokens=estimate_tokens(len(content.encode())),
        reasoning_tokens=estimate_tokens(len(reasoning.encode())) if reasoning else 0,
        search_query=question[:80],
        truth=plan.truth(),
    )


def _category_text(plan: AnswerPlan, rng: random.Random) -> str:
    assert plan.category is not None  # the plan is of kind "category" only with a category
    return category_answer(plan, rng, plan.category)


# AnswerPlan.kind -> the template that writes it.
_TEXT: dict[str, Callable[[AnswerPlan, random.Random], str]] = {
    "category": _category_text,
    "brand": brand_answer,
    "comparison": comparison_answer,
    "unknown": unknown_brand_answer,
    "generic": generic_answer,
}


def _reasoning(plan: AnswerPlan) -> str:
    """The visible chain of thought a reasoning model (deepseek-reasoner, QwQ) returns beside its answer."""
    names = "、".join(b.name for b in plan.ranked[:4]) or "几个主流选项"
    topic = plan.category.title if plan.category else "这个领域"
    return (f"嗯，用户问的是“{plan.question[:60]}”。这是一个关于{topic}的问题。我需要客观比较{names}，"
            f"先想想各自的优势和短板，再提醒用户注意关键的选购要点，最后按不同需求给出建议。")
