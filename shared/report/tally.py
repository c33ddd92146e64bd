"""Accumulators that turn per-answer brand observations into ``BrandMetrics``.

Why a two-step design (observe once, add to many tallies): the report shows the same metrics
for the whole run, per model and per question. Reading each cell's analysis once into a
compact ``Observation`` and adding it to the three tallies keeps a 10,000-cell report well
under a second; recomputing from the analysis per view would multiply the cost.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.analysis.types import AnswerAnalysis
from shared.report.stats import mean, proportion
from shared.report.types import BrandKind, BrandMetrics, Metric, Proportion, ToneCounts

NO_ANSWERS = "no analysed answers (every cell failed or none ran)"
NEVER_RANKED = "never one of the ranked options in any answer"
NOT_MENTIONED = "never mentioned, so there is no sentiment to average"
NO_TRACKED_MENTIONS = "none of your brands or competitors was mentioned"
NOT_TRACKED = "computed only over the brands you track (your brand and competitors)"
DISCOVERED_SENTIMENT = "the analyser scores sentiment only for your brand and competitors"


@dataclass(frozen=True, slots=True)
class TrackedBrand:
    name: str
    kind: BrandKind


# One brand in one answer: (mentioned, mention_count, rank, sentiment, tone, impression,
# intercepts_main). A plain tuple: built 10^5 times for a large run, so it stays cheap.
BrandObservation = tuple[bool, int, int | None, float | None, str | None, float | None, bool]


@dataclass(frozen=True, slots=True)
class Observation:
    """Everything the tallies need from one analysed answer, in the report's brand order."""

    brands: tuple[BrandObservation, ...]
    main_intercepted: bool


def observe(analysis: AnswerAnalysis, brands: list[TrackedBrand]) -> Observation:
    intercepting = set(analysis.intercepted_by)
    recommended_rank: dict[str, int] = {}
    for position, name in enumerate(analysis.recommended, start=1):
        recommended_rank.setdefault(name, position)
    discovered = set(analysis.discovered)
    rows: list[BrandObservation] = []
    for brand in brands:
        if brand.kind == "discovered":
            rank = recommended_rank.get(brand.name)
            seen = rank is not None or brand.name in discovered
            rows.append((seen, 1 if seen else 0, rank, None, None, None, False))
            continue
        found = analysis.brands.get(brand.name)
        if found is None:
            rows.append((False, 0, None, None, None, 0.0, False))
            continue
        rows.append(
            (
                found.mentioned,
                found.mention_count if found.mentioned else 0,
                found.rank,
                found.sentiment if found.mentioned else None,
                found.tone if found.mentioned else None,
                found.impression_share,
                brand.kind == "competitor" and brand.name in intercepting,
            )
        )
    main_intercepted = any(name in intercepting for name in _competitor_names(brands))
    return Observation(brands=tuple(rows), main_intercepted=main_intercepted)


def _competitor_names(brands: list[TrackedBrand]) -> list[str]:
    return [brand.name for brand in brands if brand.kind == "competitor"]


@dataclass(slots=True)
class _BrandCounts:
    mentioned: int = 0
    mentions: int = 0
    rank_sum: int = 0
    ranked: int = 0
    first: int = 0
    top3: int = 0
    sentiment_sum: float = 0.0
    sentiment_n: int = 0
    positive: int = 0
    neutral: int = 0
    negative: int = 0
    impression_sum: float = 0.0
    intercepts: int = 0


@dataclass(slots=True)
class BrandTally:
    """Sums for one group of answers (run, model or question); ``finish`` makes the metrics."""

    brands: list[TrackedBrand]
    analysed: int = 0
    main_intercepted: int = 0
    counts: list[_BrandCounts] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.counts = [_BrandCounts() for _ in self.brands]

    def add(self, observation: Observation) -> None:
        self.analysed += 1
        if observation.main_intercepted:
            self.main_intercepted += 1
        for counts, row in zip(self.counts, observation.brands, strict=True):
            mentioned, mention_count, rank, sentiment, tone, impression, intercepts = row
            if mentioned:
                counts.mentioned += 1
                counts.mentions += mention_count
            if rank is not None:
                counts.rank_sum += rank
                counts.ranked += 1
                if rank == 1:
                    counts.first += 1
                if rank <= 3:
                    counts.top3 += 1
            if sentiment is not None:
                counts.sentiment_sum += sentiment
                counts.sentiment_n += 1
            if tone == "positive":
                counts.positive += 1
            elif tone == "neutral":
                counts.neutral += 1
            elif tone == "negative":
                counts.negative += 1
            if impression is not None:
                counts.impression_sum += impression
            if intercepts:
                counts.intercepts += 1

    def finish(self) -> list[BrandMetrics]:
        n = self.analysed
        tracked = [c for b, c in zip(self.brands, self.counts, strict=True) if b.kind != "discovered"]
        total_mentions = sum(c.mentions for c in tracked)
        total_impression = sum(c.impression_sum for c in tracked)
        metrics: list[BrandMetrics] = []
        for brand, counts in zip(self.brands, self.counts, strict=True):
            metrics.append(
                BrandMetrics(
                    brand=brand.name,
                    kind=brand.kind,
                    visibility=proportion(counts.mentioned, n, NO_ANSWERS),
                    mentions=counts.mentions,
                    avg_rank=mean(counts.rank_sum, counts.ranked, NEVER_RANKED if n else NO_ANSWERS),
                    first_rate=proportion(counts.first, n, NO_ANSWERS),
                    top3_rate=proportion(counts.top3, n, NO_ANSWERS),
                    share_of_voice=self._share(brand, counts.mentions, total_mentions, n),
                    impression_share=self._share(brand, counts.impression_sum, total_impression, n),
                    sentiment=self._sentiment(brand, counts, n),
                    tones=ToneCounts(
                        positive=counts.positive, neutral=counts.neutral, negative=counts.negative
                    ),
                    interception=(
                        proportion(counts.intercepts, n, NO_ANSWERS) if brand.kind == "competitor" else None
                    ),
                    intercepted=(
                        self._intercepted(n) if brand.kind == "main" else None
                    ),
                )
            )
        return metrics

    def _intercepted(self, n: int) -> Proportion:
        return proportion(self.main_intercepted, n, NO_ANSWERS)

    @staticmethod
    def _share(brand: TrackedBrand, part: float, total: float, n: int) -> Metric:
        if brand.kind == "discovered":
            return Metric(value=None, reason=NOT_TRACKED, n=n)
        if n == 0:
            return Metric(value=None, reason=NO_ANSWERS, n=0)
        if total <= 0:
            return Metric(value=None, reason=NO_TRACKED_MENTIONS, n=n)
        return Metric(value=part / total, n=n)

    @staticmethod
    def _sentiment(brand: TrackedBrand, counts: _BrandCounts, n: int) -> Metric:
        if brand.kind == "discovered":
            return Metric(value=None, reason=DISCOVERED_SENTIMENT, n=0)
        if n == 0:
            return Metric(value=None, reason=NO_ANSWERS, n=0)
        if counts.sentiment_n == 0:
            reason = NOT_MENTIONED if counts.mentioned == 0 else "mentioned, but no sentence was scored"
            return Metric(value=None, reason=reason, n=0)
        return mean(counts.sentiment_sum, counts.sentiment_n, NOT_MENTIONED)
