"""The progress bar's ETA: the submit reply's estimate at first, the run's own pace as cells finish.

Before any cell finishes only the estimate is known (``RunEstimate.duration_p50_s``: rounds of the
model's concurrency × its latency). Once cells finish, their pace (elapsed × remaining / done)
says how the run is really going. Neither alone is good: the pace is noisy early (cells finish in
bursts, a round of slots at a time) and the estimate ignores what happened. The remaining time is
their blend, weighted by the share of cells done, so it moves from the estimate to the pace and
converges on the truth as the run ends. Without an estimate (a model of unknown latency) the pace
alone is used once the first cell is done.

Models run in parallel at their own pace, so with the per-model counts of the progress events
this is done per model and the run's ETA is the slowest model's: the run-wide pace would be
dominated by the fast models' cells and promise an end long before the slowest model's
(measured in `make bench`, lognormal scenario: -46% at 75% done, run-wide).
"""

from __future__ import annotations


def blended_remaining(total: int, done: int, expected_s: float | None, elapsed: float) -> float | None:
    """Remaining seconds of `total` cells with `done` finished after `elapsed` (see the module doc)."""
    total = max(total, 1)
    done = min(max(done, 0), total)
    prior = None if expected_s is None else max(0.0, expected_s - elapsed)
    if done == 0:
        return prior
    pace = elapsed * (total - done) / done
    if prior is None:
        return pace
    weight = done / total
    return (1 - weight) * prior + weight * pace


class Eta:
    def __init__(self, total: int, expected_s: float | None, started_at: float,
                 per_model: dict[str, tuple[int, float | None]] | None = None) -> None:
        self.total = max(total, 1)
        self.expected_s = expected_s
        self.started_at = started_at
        # model -> (its cells, its expected duration): from the submit reply's estimate.
        self.per_model = per_model or {}

    def remaining_s(self, done: int, now: float,
                    by_model: dict[str, dict[str, int]] | None = None) -> float | None:
        """Seconds until the run ends, or None while nothing says (no estimate, no cell done yet)."""
        elapsed = max(0.0, now - self.started_at)
        if by_model is not None and self.per_model:
            remaining = [blended_remaining(cells, sum(by_model.get(model, {}).values()), expected, elapsed)
                         for model, (cells, expected) in self.per_model.items()]
            known = [r for r in remaining if r is not None]
            if known:
                return max(known)
        return blended_remaining(self.total, done, self.expected_s, elapsed)


def format_eta(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return f"ETA {seconds:.0f}s"
    if seconds < 3600:
        return f"ETA {seconds // 60:.0f}m{seconds % 60:02.0f}s"
    return f"ETA {seconds // 3600:.0f}h{seconds % 3600 // 60:02.0f}m"
