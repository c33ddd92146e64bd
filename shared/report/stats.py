"""Small statistics: Wilson intervals, the two-proportion z-test and null-safe constructors.

Why Wilson rather than the normal ("Wald") interval: runs are small (a few questions × a few
models), and at n = 5 with 0 or 5 successes Wald gives a zero-width interval that claims a
certainty the data does not have. Wilson stays inside [0, 1] and is honest at the edges.
"""

from __future__ import annotations

import math

from shared.report.types import Metric, Proportion

# Two-sided 95%: the 0.975 quantile of the standard normal.
Z95 = 1.959963984540054


def wilson_interval(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials (n > 0)."""
    if n <= 0:
        raise ValueError("wilson_interval needs n > 0")
    p = k / n
    z2 = z * z
    denominator = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    # Rounding can leave the bound a hair on the wrong side of p (e.g. 5e-17 for 0 of 3); the
    # exact interval always contains p, and is exactly 0 / 1 at the edges.
    low = 0.0 if k == 0 else min(p, max(0.0, centre - half))
    high = 1.0 if k == n else max(p, min(1.0, centre + half))
    return low, high


def proportion(k: int, n: int, empty_reason: str) -> Proportion:
    if n == 0:
        return Proportion(value=None, reason=empty_reason, n=0, k=0)
    low, high = wilson_interval(k, n)
    return Proportion(value=k / n, n=n, k=k, low=low, high=high)


def mean(total: float, n: int, empty_reason: str) -> Metric:
    if n == 0:
        return Metric(value=None, reason=empty_reason, n=0)
    return Metric(value=total / n, n=n)


def normal_two_sided_p(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2.0))


def two_proportion_z(k1: int, n1: int, k2: int, n2: int) -> float | None:
    """Pooled two-proportion z statistic; None when the pooled rate is 0 or 1 (no variance)."""
    pooled = (k1 + k2) / (n1 + n2)
    variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if variance <= 0:
        return None
    return (k2 / n2 - k1 / n1) / math.sqrt(variance)
