"""Phrases every answer template shares: brand labels, the "according to …" lead, citation
markers, the reference-URL block, Chinese ordinals, joining lines."""

from __future__ import annotations

import random

from services.simulator.answer_plan import AnswerPlan
from services.simulator.knowledge import Brand


def label(plan: AnswerPlan, brand: Brand) -> str:
    if plan.persona.bilingual and brand.latin and brand.latin != brand.name:
        return f"{brand.name}（{brand.latin}）"
    return brand.name


def source_phrase(plan: AnswerPlan) -> str:
    if not plan.sources:
        return ""
    names = "、".join(s.site_name for s in plan.sources)
    return f"据{names}等平台的用户反馈和评测，"


def url_block(plan: AnswerPlan, rng: random.Random) -> str:
    if not plan.sources or rng.random() >= plan.persona.url_rate:
        return ""
    lines = ["参考来源："] + [f"- {s.site_name}：{s.url}" for s in plan.sources]
    return "\n".join(lines)


def cite(plan: AnswerPlan, index: int) -> str:
    if plan.persona.layout != "cited" or not plan.sources:
        return ""
    return f"[{index % len(plan.sources) + 1}]"


def cn_num(n: int) -> str:
    return "一二三四五六七八九十"[n - 1] if 1 <= n <= 10 else str(n)


def join(lines: list[str], tail: str) -> str:
    text = "\n".join(lines).rstrip()
    return text + ("\n\n" + tail if tail else "")
