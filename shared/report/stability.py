"""Stability: how far repeated samples of one question × model agree (needs samples > 1).

Per group: the share of samples agreeing with the most common mention outcome and the most
common rank, and the width of the visibility interval; the run's figures average the groups
that have at least two analysed samples.
"""

from __future__ import annotations

from collections import Counter

from shared.report.lanes import Lane, lane_label
from shared.report.matrix import Sample, SampleGroups
from shared.report.stats import mean, proportion
from shared.report.tally import NO_ANSWERS
from shared.report.types import Agreement, Metric, Stability


def build_stability(
    groups: SampleGroups, samples: int, question_indexes: list[int], lanes: list[Lane], mixed: bool
) -> Stability:
    if samples <= 1:
        return Stability(
            reason="one sample per question and model: agreement needs samples > 1",
            mention_agreement=Metric(reason="samples = 1"),
            rank_agreement=Metric(reason="samples = 1"),
            interval_width=Metric(reason="samples = 1"),
        )
    agreements = [
        agreement(index, lane_label(model, surface, mixed), groups.of((index, model, surface)))
        for index in question_indexes
        for model, surface in lanes
    ]

    def average(pick: str) -> Metric:
        values = [getattr(g, pick).value for g in agreements if getattr(g, pick).value is not None]
        return mean(sum(values), len(values), "no question × model has two analysed samples")

    return Stability(
        groups=agreements,
        mention_agreement=average("mention_agreement"),
        rank_agreement=average("rank_agreement"),
        interval_width=average("interval_width"),
    )


def agreement(index: int, model: str, samples: list[Sample]) -> Agreement:
    n = len(samples)
    if n < 2:
        reason = "fewer than 2 analysed samples"
        return Agreement(
            question_index=index,
            model=model,
            samples=n,
            mention_agreement=Metric(reason=reason, n=n),
            rank_agreement=Metric(reason=reason, n=n),
            interval_width=Metric(reason=reason, n=n),
        )
    mentions = Counter(mentioned for mentioned, _ in samples)
    ranks = Counter(rank for _, rank in samples)
    visibility = proportion(mentions[True], n, NO_ANSWERS)
    width = (visibility.high or 0.0) - (visibility.low or 0.0)
    return Agreement(
        question_index=index,
        model=model,
        samples=n,
        mention_agreement=Metric(value=max(mentions.values()) / n, n=n),
        rank_agreement=Metric(value=max(ranks.values()) / n, n=n),
        interval_width=Metric(value=width, n=n),
    )
