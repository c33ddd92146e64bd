"""The sources a simulated answer cites: drawn from its market's source sites, the same for every
sample of one question (cached), with stable made-up article ids, titles and dates."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from services.simulator.draws import UnitSeries, unit
from services.simulator.knowledge import BY_KEY


@dataclass(frozen=True, slots=True)
class CitedSource:
    site_name: str
    url: str
    title: str
    date: str


@functools.lru_cache(maxsize=4096)
def cited_sources(persona_key: str, model: str, question: str, category_key: str,
                  count: int) -> tuple[CitedSource, ...]:
    """The `count` sources a model cites for a question: the same for every variant (sample) of it,
    so cached; only whether an answer cites at all, and how many, is drawn per answer."""
    category = BY_KEY[category_key]
    draw = UnitSeries(persona_key, question)
    order = sorted(category.sources, key=lambda s: draw(s.site_name))
    cited = []
    for source in order[:count]:
        ident = int(unit(source.site_name, question, model) * 9e8) + 10**8
        year = 2025 + int(unit("y", source.site_name, question) * 2)
        month = 1 + int(unit("m", source.site_name, question) * 12)
        cited.append(CitedSource(
            site_name=source.site_name,
            url=f"{source.url_prefix}{ident}",
            title=f"{year}年{category.title}品牌怎么选？真实用户经验分享 - {source.site_name}",
            date=f"{year}-{month:02d}-{1 + ident % 28:02d}",
        ))
    return tuple(cited)
