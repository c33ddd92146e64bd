"""The statistics behind monitor alerts: paired tests over questions, multiple-comparison correction.

Why the question is the unit: a monitor asks the same questions every run, and the samples of one
question share a prompt, so a question with a high rate must not be compared with one with a low
rate. Every test compares a question with itself across runs and then combines the questions.

- ``stratified_test`` (mention and first-position rates): the exact conditional test stratified
  by question — within a question, under no change, which of its samples fall in the current runs
  is random; the per-question counts are combined exactly. With one sample a side it *is*
  McNemar's exact test on the paired cells. It uses every sample, not only the sign of a
  question's change, and it stays exact for a baseline longer than the window.
- ``sign_test`` (average rank, one model against the others — not 0/1 outcomes): exact two-sided
  binomial test on the signs of the per-question differences (ties dropped), used with equally
  many runs on each side so that each difference is symmetric under no change.
- ``bootstrap_interval``: percentile interval of the mean per-question difference from resampling
  questions (a cluster bootstrap: samples stay with their question), seeded so it is reproducible.
- ``holm``: Holm's step-down adjustment (or Bonferroni) over one run's brand × model × metric
  comparisons, so the chance of *any* false alarm in a run stays at the level.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence


def sign_test(differences: Sequence[float]) -> float:
    """Two-sided exact p-value that positive and negative differences are equally likely."""
    up = sum(1 for d in differences if d > 0)
    down = sum(1 for d in differences if d < 0)
    n = up + down
    if n == 0:
        return 1.0
    k = min(up, down)
    tail: float = sum(math.comb(n, i) for i in range(k + 1)) / 2**n
    return min(1.0, 2.0 * tail)


def holm(p_values: Sequence[float], method: str = "holm") -> list[float]:
    """Adjusted p-values (same order); compare each with the level."""
    m = len(p_values)
    if method == "bonferroni":
        return [min(1.0, p * m) for p in p_values]
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [1.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def bootstrap_interval(differences: Sequence[float], level: float, resamples: int, seed: str) -> tuple[float, float]:
    """(low, high) of the mean difference at confidence 1 - level, resampling questions."""
    n = len(differences)
    if n == 0:
        return (0.0, 0.0)
    rng = random.Random(seed)
    means = sorted(sum(rng.choice(differences) for _ in range(n)) / n for _ in range(resamples))
    low = means[max(0, math.floor(resamples * level / 2))]
    high = means[min(resamples - 1, math.ceil(resamples * (1 - level / 2)) - 1)]
    return (low, high)


def _hypergeometric(total: int, hits: int, drawn: int) -> tuple[int, list[float]]:
    """(lowest count, pmf) of the hits among `drawn` of `total` samples holding `hits` in all."""
    low, high = max(0, drawn - (total - hits)), min(drawn, hits)
    ways = math.comb(total, drawn)
    return low, [math.comb(hits, x) * math.comb(total - hits, drawn - x) / ways for x in range(low, high + 1)]


def stratified_test(baseline: Mapping[int, tuple[int, int]], current: Mapping[int, tuple[int, int]]) -> float:
    """Two-sided exact p-value that the current runs' hits differ from the baseline's, question by question.

    Each mapping is question -> (hits, answered samples). Under no change the samples of one
    question are exchangeable between baseline and current, so given the question's total hits
    the current count is hypergeometric; questions are independent, so the total current count's
    exact null distribution is the convolution of those. This is the exact conditional
    (Cochran-Mantel-Haenszel) test stratified by question: with one sample on each side of every
    question it is McNemar's exact test on the paired cells, and unlike the sign test it stays
    exact when the sides hold different numbers of samples (a longer baseline, a failed cell).
    """
    distribution = [1.0]
    offset = observed = 0
    for question in sorted(baseline.keys() & current.keys()):
        (base_hits, base_n), (hits, n) = baseline[question], current[question]
        low, pmf = _hypergeometric(base_n + n, base_hits + hits, n)
        if len(pmf) == 1:  # all or none of the question's samples hit: no information
            continue
        merged = [0.0] * (len(distribution) + len(pmf) - 1)
        for i, a in enumerate(distribution):
            for j, b in enumerate(pmf):
                merged[i + j] += a * b
        distribution, offset, observed = merged, offset + low, observed + hits
    at = observed - offset
    tails = min(sum(distribution[: at + 1]), sum(distribution[at:]))
    return min(1.0, 2.0 * tails)
