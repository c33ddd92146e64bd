"""What a monitor alert says (issue #17), shared by the alert engine, the trend report and the CLI.

An alert is published on ``brandlens.alerts.<monitor>`` (kept in a stream) and optionally POSTed
to a webhook; the trend report draws it as a marker on the day it fired. Fields are additive.
"""

from __future__ import annotations

from typing import Literal

import msgspec

AlertKind = Literal[
    "disappeared",           # a brand no longer mentioned by a model
    "competitor_emerged",    # a competitor (or discovered brand) newly recommended
    "first_position_lost",
    "first_position_won",
    "visibility_drop",
    "visibility_rise",
    "rank_degraded",
    "model_divergence",      # one model moves against the others
    "coverage_low",          # too many failed cells to judge the run
]


class Interval(msgspec.Struct, kw_only=True, frozen=True):
    """A two-sided interval at the alert's confidence level."""

    low: float
    high: float


class Alert(msgspec.Struct, kw_only=True):
    id: str                       # stable: <monitor>.<kind>.<brand>.<model>.<run_id>
    monitor: str
    kind: AlertKind
    brand: str | None = None
    model: str | None = None
    metric: str = ""              # e.g. "visibility", "first_position_rate", "average_rank"
    before: float | None = None   # the baseline run's value
    after: float | None = None    # the current run's value
    delta: float | None = None    # after - before
    interval: Interval | None = None   # of the delta
    p_value: float | None = None
    adjusted_p: float | None = None    # after the multiple-comparison correction
    test: str = ""                # e.g. "mcnemar-exact", "cluster-bootstrap"
    persisted_runs: int = 1       # consecutive runs the change held
    baseline_run_id: str = ""
    # The runs compared: the baseline runs (pooled) and the window runs the change held in.
    baseline_run_ids: list[str] = []
    window_run_ids: list[str] = []
    run_id: str = ""
    slot: str = ""                # the slot time of run_id (ISO 8601)
    # Cell ids of the current run whose answers show the change.
    cells: list[str] = []
    message: str = ""             # one sentence a brand owner can read
    at: float = 0.0               # epoch seconds when raised
