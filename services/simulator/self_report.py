"""The optional `geo_analysis` self-report a prompt may ask for after the answer: what the answer
says about the main brand, rendered as the JSON block the real models wrote — including the ways
they were seen to contradict their own text, and to fence it or not."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

from services.simulator.answer_plan import AnswerPlan
from services.simulator.cited_sources import CitedSource
from services.simulator.knowledge import lookup_brand
from services.simulator.personas import Persona


@dataclass(slots=True)
class MainBrandReport:
    """What the answer says about the main brand: the truth the self-report starts from."""

    brand_mentioned: bool = False
    rank: int = -1
    sentiment: float = 0.0
    interception: tuple[str, ...] = ()


def main_brand_report(plan: AnswerPlan, text: str) -> MainBrandReport:
    main = plan.main_brand or plan.subject
    report = MainBrandReport()
    if not main:
        return report
    known = lookup_brand(main)
    names = (main, *known[0].aliases) if known else (main,)
    report.brand_mentioned = any(name in text for name in names)
    ranked_names = [b.name for b in plan.ranked]
    canonical = known[0].name if known else main
    if plan.subject == canonical and plan.kind in ("brand", "unknown"):
        report.rank = -1
        report.sentiment = round(plan.tone_for(known[0]), 1) if known else 0.0
        report.interception = tuple(n for n in ranked_names if n != canonical)
    elif canonical in ranked_names:
        position = ranked_names.index(canonical)
        report.rank = position + 1
        report.sentiment = round(0.85 - 0.1 * position, 1)
        report.interception = tuple(ranked_names[:position])
    else:
        report.sentiment = 0.0
        report.interception = tuple(ranked_names[:3])
    return report


def render_geo(report: MainBrandReport, sources: list[CitedSource], persona: Persona, rng: random.Random) -> str:
    mentioned, rank, sentiment = report.brand_mentioned, report.rank, report.sentiment
    interception = "、".join(report.interception)
    if rng.random() < persona.inconsistency_rate:
        # Real models contradicted their own text; reproduce the kinds seen in the corpus.
        flaw = rng.randrange(4)
        if flaw == 0:
            mentioned = not mentioned
        elif flaw == 1:
            rank = 1 if rank != 1 else 3
        elif flaw == 2:
            sentiment = round(-sentiment if sentiment else 0.5, 1)
        else:
            interception = ""
    block = {"geo_analysis": {
        "brand_mentioned": mentioned,
        "rank": rank,
        "sentiment": sentiment,
        "cited_sources": [{"url": s.url, "site_name": s.site_name, "attitude": _attitude(report.sentiment)}
                          for s in sources],
        "interception": interception,
    }}
    payload = json.dumps(block, ensure_ascii=False, indent=2)
    if rng.random() < persona.fence_rate:
        return f"```json\n{payload}\n```"
    return payload


def _attitude(sentiment: float) -> str:
    if sentiment >= 0.3:
        return "positive"
    if sentiment <= -0.2:
        return "negative"
    return "neutral"
