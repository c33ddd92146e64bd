"""Intervals for trend points and slopes that use only the standard library.

Why a t-interval over questions for means and shares (and not over answers): the same questions
are asked in every run, and answers to one question resemble each other far more than answers to
different questions, so answers are not independent draws. Treating each question as one cluster
and building the ratio estimator's cluster-robust standard error (the linearisation below) is the
standard survey-sampling answer; it is deterministic (a bootstrap would need a seed and makes the
same data give slightly different bands), and with few questions the t quantile widens the band
honestly. Proportions keep the report's Wilson interval so a trend point equals the run report.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from shared.report.stats import Z95

# Two-sided 95% quantiles of Student's t for 1..30 degrees of freedom.
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)

ONE_QUESTION = "only one question contributes: no spread across questions to build an interval"


def t975(df: int) -> float:
    """The 0.975 quantile of Student's t (table to 30 df, Cornish-Fisher expansion beyond)."""
    if df < 1:
        raise ValueError("t975 needs df >= 1")
    if df <= len(_T975):
        return _T975[df - 1]
    z = Z95
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df * df)


def cluster_ratio_interval(
    clusters: Sequence[tuple[float, float]], bounds: tuple[float, float]
) -> tuple[float, float | None, float | None]:
    """Ratio Σy/Σm over clusters (y_g, m_g) with a 95% t-interval over clusters, clipped to bounds.

    Returns (ratio, low, high); low/high are None with fewer than two clusters with m_g > 0.
    Caller guarantees Σm > 0.
    """
    used = [(y, m) for y, m in clusters if m > 0]
    total_m = sum(m for _, m in used)
    ratio = sum(y for y, _ in used) / total_m
    g = len(used)
    if g < 2:
        return ratio, None, None
    residual = sum((y - ratio * m) ** 2 for y, m in used)
    se = math.sqrt(g / (g - 1) * residual) / total_m
    half = t975(g - 1) * se
    low, high = bounds
    return ratio, max(low, ratio - half), min(high, ratio + half)


def least_squares_slope(points: Sequence[tuple[float, float]]) -> tuple[float, float, float] | None:
    """OLS slope of y on x with its 95% t-interval (n − 2 df); None when x has no spread."""
    n = len(points)
    if n < 3:
        return None
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    if sxx <= 0:
        return None
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / sxx
    intercept = mean_y - slope * mean_x
    ssr = sum((y - intercept - slope * x) ** 2 for x, y in points)
    half = t975(n - 2) * math.sqrt(ssr / (n - 2) / sxx)
    return slope, slope - half, slope + half
