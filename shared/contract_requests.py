"""What a client sends and what it gets back: the DiagnosisRequest that starts a run, the
acceptance with the plan's time estimate, and the error reply of every service.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from shared.brand import Brand
from shared.contract_states import CONTRACT_VERSION, RunStatus


class DiagnosisRequest(msgspec.Struct, kw_only=True):
    """What a client sends to start a run (validated by shared/validation.py)."""

    v: int = CONTRACT_VERSION
    request_id: str | None = None
    brand: Brand
    competitors: list[Brand] = []
    questions: list[str]
    models: list[str]
    samples: int = 1
    deadline_s: float = 900.0
    # Ask models to append the `geo_analysis` JSON block; the analyser cross-checks it.
    self_report: bool = False
    # Stop dispatching once the estimated spend reaches this (catalogue currency).
    max_cost: float | None = None
    # Free-form label of the submitting client, shown in run history.
    client: str | None = None
    # Accept a plan whose expected (p50) duration exceeds deadline_s: the run ends `partial` at
    # its deadline with the cells done by then. Without it such a plan is rejected (400, deadline_s).
    allow_partial: bool = False
    # Ask every selected model with its engine's web search on; a model whose provider has no
    # search is rejected (400, models[i]), never silently run without it.
    search: bool = False
    # A catalogue model asked for a second opinion on the analyser's unsure verdicts (issue #12):
    # its verdicts are reported beside the rules' (with their agreement), never in their place.
    # Only the unsure verdicts are sent (one judge job per answer that has any); docs/analysis.md, "Judge".
    judge: str | None = None


class ModelEstimate(msgspec.Struct, kw_only=True):
    """One model's share of a plan: ceil(cells / concurrency) rounds × its latency (p50 and p90)."""

    model: str
    cells: int
    concurrency: int
    # "observed": the adapter's recent calls; "catalogue": latency_p50_s/latency_p90_s; "unknown": neither.
    latency_source: Literal["observed", "catalogue", "unknown"]
    latency_p50_s: float | None = None
    latency_p90_s: float | None = None
    duration_p50_s: float | None = None
    duration_p90_s: float | None = None


class RunEstimate(msgspec.Struct, kw_only=True):
    """Expected duration of a plan (its slowest model; None if any model's latency is unknown)."""

    duration_p50_s: float | None
    duration_p90_s: float | None
    # The smallest sensible deadline_s for this plan: p90 duration × 1.25, at least 30 s.
    implied_deadline_s: float | None
    deadline_s: float
    # False when the p50 duration exceeds deadline_s (accepted only with allow_partial).
    fits: bool | None
    models: list[ModelEstimate] = []


class SubmitAccepted(msgspec.Struct, kw_only=True):
    run_id: str
    cells: int
    duplicate: bool = False
    status: RunStatus = "running"
    # How long the run is expected to take (not repeated for a duplicate submit).
    estimate: RunEstimate | None = None


class FieldError(msgspec.Struct, kw_only=True):
    field: str
    reason: str


class ErrorReply(msgspec.Struct, kw_only=True):
    """The JSON body of every service error (also flagged with Nats-Service-Error headers)."""

    code: int
    error: str
    message: str
    fields: list[FieldError] = []
