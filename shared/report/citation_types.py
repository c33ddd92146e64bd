"""The report's sources and citations: cited domains and named sources over the run, and per
surface the domains, the brands they are attributed to and the gaps against competitors
(issue #18).

Its own module so types.py stays readable; like every report type, every field has a default.
"""

from __future__ import annotations

import msgspec

from shared.contracts import Surface
from shared.report.metric_types import BrandKind, Metric, Proportion


class SourceCount(msgspec.Struct, kw_only=True):
    name: str
    answers: int = 0


class Sources(msgspec.Struct, kw_only=True):
    domains: list[SourceCount] = []
    named: list[SourceCount] = []
    answers_with_sources: Proportion = msgspec.field(default_factory=Proportion)


class DomainCitations(msgspec.Struct, kw_only=True):
    """One domain's citations on one surface: the answers whose cited sources include it."""

    domain: str
    platform: str = ""
    # A SourceCategory of shared.report.taxonomy (own-site, competitor-site, ugc, …).
    category: str = "other"
    answers: int = 0
    # answers / the sum of ``answers`` over every domain of the surface (each answer counts a
    # domain once, however many of its sources are on it).
    share: Metric = msgspec.field(default_factory=Metric)


class DomainCount(msgspec.Struct, kw_only=True):
    domain: str
    platform: str = ""
    category: str = "other"
    answers: int = 0


class BrandCitations(msgspec.Struct, kw_only=True):
    """The domains of the sources attributed to one brand (its ``cited_sources``), per answer."""

    brand: str
    kind: BrandKind = "main"
    # Analysed answers in which some source is attributed to the brand.
    answers_cited: int = 0
    domains: list[DomainCount] = []


class CitationGap(msgspec.Struct, kw_only=True):
    """Where to get cited: domains that cite a competitor in some answer and the main brand in none."""

    competitor: str
    domains: list[DomainCount] = []


class CategoryShare(msgspec.Struct, kw_only=True):
    category: str
    label: str = ""
    domains: int = 0
    answers: int = 0
    share: Metric = msgspec.field(default_factory=Metric)


class SurfaceCitations(msgspec.Struct, kw_only=True):
    """Citation figures for one surface; api and api+search answers are never counted together."""

    surface: Surface = "api"
    # Analysed answers on this surface, and those with at least one cited source.
    answers: int = 0
    answers_with_citations: Proportion = msgspec.field(default_factory=Proportion)
    domains: list[DomainCitations] = []
    brands: list[BrandCitations] = []
    gaps: list[CitationGap] = []
    taxonomy: list[CategoryShare] = []
