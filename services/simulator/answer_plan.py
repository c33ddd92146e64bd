"""The plan of one answer, before any text: what kind of answer it is, which brands it names in
which order, its subject and its sources.

Rankings come from a persona's taste (hashed per brand, plus its favourites) on top of market
prominence, with a little per-variant jitter so repeated samples of one question differ slightly,
as real ones do. The text templates (category_layouts.py, subject_answers.py) only render a plan.
"""

from __future__ import annotations

import functools
import random

from services.simulator.cited_sources import CitedSource, cited_sources
from services.simulator.draws import UnitSeries, fixed_unit, unit
from services.simulator.knowledge import BY_KEY, Brand, Category
from services.simulator.personas import Persona
from services.simulator.question_reading import looks_like_brand, read_question
from services.simulator.truth import BrandTruth, answer_truth


class AnswerPlan:
    def __init__(self, persona: Persona, model: str, question: str, main_brand: str, variant: int,
                 left_out: tuple[str, ...] = ()) -> None:
        self.persona = persona
        self.left_out = left_out
        self.model = model
        self.question = question
        self.main_brand = main_brand
        self.variant = variant
        self.sources: list[CitedSource] = []
        self.ranked: list[Brand] = []
        # A comparison's per-brand sections, in the question's order (its options).
        self.sections: list[Brand] = []
        self.category: Category | None = None
        self.subject = ""
        # category | brand | comparison | unknown | generic: decides the template and how the
        # self-report ranks.
        self.kind = "generic"
        # Per-brand ranking jitter: unit(model, question, variant, brand name).
        self._jitter = UnitSeries(model, question, variant)

    def score(self, brand: Brand, position: int, total: int) -> float:
        return _persona_score(self.persona, brand, position, total) + (self._jitter(brand.name) - 0.5) * 0.3

    def rank(self, category: Category, exclude: tuple[str, ...] = ()) -> list[Brand]:
        """The category's brands by score(brand, its position in the category, category size)."""
        scored = [(base + (self._jitter(b.name) - 0.5) * 0.3, b)
                  for b, base in zip(category.brands, _persona_scores(self.persona, category.key), strict=True)
                  if b.name not in exclude and b.name not in self.left_out]
        scored.sort(key=lambda pair: pair[0], reverse=True)
        return [brand for _, brand in scored]

    def tone_for(self, brand: Brand) -> float:
        taste = (fixed_unit("tone", self.persona.key, brand.name) - 0.5) * 0.8
        return max(-0.9, min(0.9, self.persona.tone + taste + self._tone_jitter))

    @functools.cached_property
    def _tone_jitter(self) -> float:
        # The same for every brand of one answer, which may ask for several tones.
        return (unit("tone", self.model, self.question, self.variant) - 0.5) * 0.2

    def truth(self) -> tuple[BrandTruth, ...]:
        order = self.sections if self.kind == "comparison" else self.ranked
        subject_tone = self.tone_for(self.ranked[0]) if self.kind == "brand" and self.ranked else None
        return answer_truth(self.kind, self.persona.layout, [(b.name, b.aliases) for b in order], self.subject,
                            subject_tone)


def plan_answer(persona: Persona, model: str, question: str, main_brand: str, variant: int,
                rng: random.Random, left_out: tuple[str, ...] = ()) -> AnswerPlan:
    """Decide the answer. The draws from ``rng`` (whether it cites, how many options) come first
    and in this order, before the templates draw theirs: seeded answers depend on the order."""
    plan = AnswerPlan(persona, model, question, main_brand, variant, left_out)
    reading = read_question(question)
    mentioned = reading.mentioned
    category = plan.category = reading.category
    if category is not None:
        _pick_sources(plan, category, rng)
    if len(mentioned) >= 2:
        plan.kind = "comparison"
        brands = [brand for brand, _ in mentioned[:3]]
        plan.ranked = sorted(brands, key=lambda b: plan.score(b, 0, 1) + plan.tone_for(b) * 0.3, reverse=True)
        plan.sections = list(brands)
        plan.subject = brands[0].name
    elif len(mentioned) == 1:
        plan.kind = "brand"
        brand = mentioned[0][0]
        plan.subject = brand.name
        alternatives = plan.rank(category, exclude=(brand.name,))[:2] if category is not None else []
        plan.ranked = [brand, *alternatives]
    elif reading.unknown and looks_like_brand(reading.unknown, question, main_brand, category):
        plan.kind = "unknown"
        plan.subject = reading.unknown
        if category is not None:
            plan.ranked = plan.rank(category)[:3]
    elif category is not None:
        plan.kind = "category"
        ranked = plan.rank(category)
        count = rng.randint(persona.min_items, persona.max_items)
        plan.ranked = ranked[: min(count, len(ranked))]
    return plan


def _pick_sources(plan: AnswerPlan, category: Category, rng: random.Random) -> None:
    persona = plan.persona
    wants = rng.random() < persona.source_rate
    if not wants:
        return
    count = 2 + int(rng.random() * 3) if persona.layout == "cited" else 2
    plan.sources.extend(cited_sources(persona.key, plan.model, plan.question, category.key, count))


def _persona_score(persona: Persona, brand: Brand, position: int, total: int) -> float:
    """The part of a brand's score that only the persona decides: prominence, favourites, taste."""
    prominence = 1.0 - position / max(total, 1)
    favourite = 0.45 if brand.name in persona.favourites else 0.0
    taste = (fixed_unit(persona.key, brand.name) - 0.5) * 0.7
    return prominence + favourite + taste


@functools.lru_cache(maxsize=1024)
def _persona_scores(persona: Persona, category_key: str) -> tuple[float, ...]:
    """_persona_score of each brand of a category, in table order: the same on every request."""
    brands = BY_KEY[category_key].brands
    return tuple(_persona_score(persona, brand, i, len(brands)) for i, brand in enumerate(brands))
