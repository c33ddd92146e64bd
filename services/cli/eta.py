"""The progress bar's ETA: the submit reply's estimate at first, the run's own pace as cells finish.

Before any cell finishes only the estimate is known (``RunEstimate.duration_p50_s``: rounds of the
model's concurrency × its latency). Once cells finish, their pace (elapsed × remaining / done)
says how the run is really going. Neither alone is good: the pace is noisy early (cells finish in
bursts, a round of slots at a time) and the estimate ignores what happened. The remaining time is
their blend, weighted by the share of cells done, so it moves from the estimate to the pace and
converges on the truth as the run ends. Without an estimate (a model of unknown latency) the pace
alone is used once the first cell is done.
"""

from __future__ import annotations


class Eta:
    def __init__(self, total: int, expected_s: float | None, started_at: float) -> None:
        self.total = max(total, 1)
        self.expected_s = expected_s
        self.started_at = started_at

    def remaining_s(self, done: int, now: float) -> float | None:
        """Seconds until the run ends, or None while nothing says (no estimate, no cell done yet)."""
        elapsed = max(0.0, now - self.started_at)
        done = min(max(done, 0), self.total)
        prior = None if self.expected_s is None else max(0.0, self.expected_s - elapsed)
        if done == 0:
            return prior
        pace = elapsed * (self.total - done) / done
        if prior is None:
            return pace
        weight = done / self.total
        return (1 - weight) * prior + weight * pace


def format_eta(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return f"ETA {seconds:.0f}s"
    if seconds < 3600:
        return f"ETA {seconds // 60:.0f}m{seconds % 60:02.0f}s"
    return f"ETA {seconds // 3600:.0f}h{seconds % 3600 // 60:02.0f}m"
