"""The report's citation figures (issue #18), one ``SurfaceCitations`` per surface.

Counted over analysed answers, each answer counting a domain at most once:

- ``domains``: the domains of the answer's *cited* sources (those a span points at — the engine
  tied them to a sentence), with their share of all (answer, domain) pairs on the surface.
- ``brands``: per tracked brand, the domains of its ``cited_sources`` (attribution, see
  shared/analysis/attribution.py).
- ``gaps``: per competitor, the domains that cite it in some answer and the main brand in none —
  where the brand is not yet cited (the GEO agency's work list).
- ``taxonomy``: the domains grouped by kind of site (shared/report/taxonomy.py).

api and api+search answers never share a figure: each surface is tallied on its own.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from shared.brand import Brand
from shared.contracts import CellRecord, Surface
from shared.report.stats import mean, proportion
from shared.report.taxonomy import CATEGORY_LABELS, CATEGORY_ORDER, Taxonomy
from shared.report.types import (
    BrandCitations,
    BrandKind,
    CategoryShare,
    CitationGap,
    DomainCitations,
    DomainCount,
    Metric,
    SurfaceCitations,
)

SURFACE_ORDER: tuple[Surface, ...] = ("api", "api+search")
TOP_DOMAINS = 20


@dataclass(slots=True)
class _SurfaceTally:
    answers: int = 0
    with_citations: int = 0
    domains: Counter[str] = field(default_factory=Counter)
    # brand -> domain -> answers in which a source on that domain is attributed to the brand
    brands: dict[str, Counter[str]] = field(default_factory=dict)
    brands_cited: Counter[str] = field(default_factory=Counter)


class CitationTally:
    """Accumulates analysed cells; ``finish`` gives the figures per surface present."""

    def __init__(self, brand: Brand, competitors: list[Brand]) -> None:
        self.main = brand.name
        self.competitors = [c.name for c in competitors if c.name != brand.name]
        self.taxonomy = Taxonomy(brand, competitors)
        self.surfaces: dict[Surface, _SurfaceTally] = {}

    def add(self, cell: CellRecord) -> None:
        """One analysed cell (the caller checks that it was answered and analysed)."""
        result, analysis = cell.result, cell.analysis
        assert analysis is not None
        tally = self.surfaces.setdefault(result.surface, _SurfaceTally())
        tally.answers += 1
        pointed = {source_id for span in result.spans for source_id in span.source_ids}
        domain_of = {s.id: s.domain.lower().removeprefix("www.") for s in result.sources if s.domain}
        cited = {domain_of[i] for i in pointed if i in domain_of}
        tally.domains.update(cited)
        tally.with_citations += bool(cited)
        for name in [self.main, *self.competitors]:
            verdict = analysis.brands.get(name)
            if verdict is None:
                continue
            domains = {domain_of[i] for i in verdict.cited_sources if i in domain_of}
            if domains:
                tally.brands.setdefault(name, Counter()).update(domains)
                tally.brands_cited[name] += 1

    def finish(self) -> list[SurfaceCitations]:
        return [self._surface(s, self.surfaces[s]) for s in SURFACE_ORDER if s in self.surfaces]

    def _count(self, domain: str, answers: int) -> DomainCount:
        kind = self.taxonomy.kind(domain)
        return DomainCount(domain=domain, platform=kind.platform, category=kind.category, answers=answers)

    def _ranked(self, counter: Counter[str]) -> list[DomainCount]:
        ranked = sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:TOP_DOMAINS]
        return [self._count(domain, n) for domain, n in ranked]

    def _surface(self, surface: Surface, tally: _SurfaceTally) -> SurfaceCitations:
        total = sum(tally.domains.values())
        reason = "no answer on this surface cites a source"

        def share(n: int) -> Metric:
            return mean(float(n), total, reason)

        domains = [
            DomainCitations(domain=c.domain, platform=c.platform, category=c.category, answers=c.answers,
                            share=share(c.answers))
            for c in self._ranked(tally.domains)
        ]
        kinds: list[tuple[BrandKind, str]] = [("main", self.main)]
        kinds += [("competitor", name) for name in self.competitors]
        brands = [
            BrandCitations(brand=name, kind=kind, answers_cited=tally.brands_cited[name],
                           domains=self._ranked(tally.brands.get(name, Counter())))
            for kind, name in kinds
        ]
        ours = set(tally.brands.get(self.main, Counter()))
        gaps = []
        for name in self.competitors:
            theirs = tally.brands.get(name, Counter())
            gaps.append(CitationGap(competitor=name, domains=self._ranked(
                Counter({d: n for d, n in theirs.items() if d not in ours}))))
        by_category: dict[str, tuple[int, int]] = {}
        for domain, n in tally.domains.items():
            category = self.taxonomy.kind(domain).category
            count, answers = by_category.get(category, (0, 0))
            by_category[category] = (count + 1, answers + n)
        taxonomy = [
            CategoryShare(category=c, label=CATEGORY_LABELS[c], domains=by_category[c][0],
                          answers=by_category[c][1], share=share(by_category[c][1]))
            for c in CATEGORY_ORDER if c in by_category
        ]
        return SurfaceCitations(
            surface=surface,
            answers=tally.answers,
            answers_with_citations=proportion(tally.with_citations, tally.answers, "no analysed answer"),
            domains=domains,
            brands=brands,
            gaps=gaps,
            taxonomy=taxonomy,
        )
