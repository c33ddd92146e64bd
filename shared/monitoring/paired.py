"""The statistics behind monitor alerts: paired tests over questions, multiple-comparison correction.

Why the question is the unit: a monitor asks the same questions every run, and the samples of one
question share a prompt, so they are not independent evidence. Each question is collapsed to a
rate per run (share of its answered samples where the brand is mentioned / first / ...); the two
runs are then compared question by question.

- ``sign_test``: exact two-sided binomial test on the signs of the per-question differences (ties
  dropped). With one sample per question it *is* McNemar's exact test on the paired cells; with
  more samples it is its natural extension to rates. Exact, so it holds for 5 questions as for 500.
- ``bootstrap_interval``: percentile interval of the mean per-question difference from resampling
  questions (a cluster bootstrap: samples stay with their question), seeded so it is reproducible.
- ``holm``: Holm's step-down adjustment (or Bonferroni) over one run's brand × model × metric
  comparisons, so the chance of *any* false alarm in a run stays at the level.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence


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
