"""Small statistics helpers: medians over repeats, percentiles over cells."""

from __future__ import annotations

import math
import statistics


def median(values: list[float]) -> float:
    """Median of the finite values (a repeat that could not measure something gives NaN)."""
    finite = [v for v in values if math.isfinite(v)]
    return float(statistics.median(finite)) if finite else float("nan")


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) — exact on the sample, no interpolation."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100.0 * len(ordered))))
    return ordered[rank - 1]
