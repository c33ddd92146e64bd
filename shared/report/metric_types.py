"""The report's figures: the two metric shapes (``Metric``, ``Proportion``), one brand's metrics,
and those metrics per model, per question and per question × model.

Separate from the report envelope (types.py) because every section and builder uses these
shapes; like every report type, every field has a default (the rules are in types.py).
"""

from __future__ import annotations

from typing import Literal

import msgspec

from shared.contracts import Surface

BrandKind = Literal["main", "competitor", "discovered"]


class Metric(msgspec.Struct, kw_only=True):
    """A mean or total over ``n`` observations; ``value`` is None (with ``reason``) when n = 0."""

    value: float | None = None
    reason: str | None = None
    n: int = 0


class Proportion(msgspec.Struct, kw_only=True):
    """``k`` of ``n`` answers, with the Wilson score 95% interval [low, high]."""

    value: float | None = None
    reason: str | None = None
    n: int = 0
    k: int = 0
    low: float | None = None
    high: float | None = None


class ToneCounts(msgspec.Struct, kw_only=True):
    positive: int = 0
    neutral: int = 0
    negative: int = 0


class BrandMetrics(msgspec.Struct, kw_only=True):
    """How one brand fared over a set of answers (the whole run, one model, one question…)."""

    brand: str
    kind: BrandKind = "main"
    visibility: Proportion = msgspec.field(default_factory=Proportion)
    mentions: int = 0
    avg_rank: Metric = msgspec.field(default_factory=Metric)
    first_rate: Proportion = msgspec.field(default_factory=Proportion)
    top3_rate: Proportion = msgspec.field(default_factory=Proportion)
    share_of_voice: Metric = msgspec.field(default_factory=Metric)
    impression_share: Metric = msgspec.field(default_factory=Metric)
    sentiment: Metric = msgspec.field(default_factory=Metric)
    tones: ToneCounts = msgspec.field(default_factory=ToneCounts)
    # Competitors only: answers where this competitor intercepts the main brand.
    interception: Proportion | None = None
    # Main brand only: answers where any competitor intercepts it.
    intercepted: Proportion | None = None


class Breakdown(msgspec.Struct, kw_only=True):
    """The brand metrics restricted to one model or one question."""

    key: str
    question_index: int | None = None
    # The surface of every cell counted here (a report over both surfaces has a model row per
    # surface, keyed "model (surface)"; the overall and per-question figures count one surface).
    surface: Surface = "api"
    cells: int = 0
    ok: int = 0
    answered: int = 0
    analysed: int = 0
    failed: int = 0
    coverage: Metric = msgspec.field(default_factory=Metric)
    brands: list[BrandMetrics] = []


class MatrixCell(msgspec.Struct, kw_only=True):
    """Main-brand standing for one question asked of one model (over its samples)."""

    question_index: int
    question: str
    model: str
    surface: Surface = "api"
    cells: int = 0
    analysed: int = 0
    visibility: Proportion = msgspec.field(default_factory=Proportion)
    avg_rank: Metric = msgspec.field(default_factory=Metric)
