"""The messages on the bus: a Job to ask one model, the CellResult it ends in, a run's
Progress and Completed events, and an adapter's ModelHealth.

Bus messages are a tagged union on ``type`` (``tag=``) so one decoder serves a subject that
carries several kinds of event.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from shared.contract_answer import Citation, ErrorInfo, Source, Span, Surface, Usage
from shared.contract_states import CONTRACT_VERSION, CellStatus, JobPurpose, RunStatus, Stage


class Job(msgspec.Struct, kw_only=True, tag="job"):
    """One cell to ask one model; published on brandlens.jobs.<model>."""

    v: int = CONTRACT_VERSION
    run_id: str
    cell_id: str
    model: str
    question: str
    sample: int = 0
    # Absolute wall-clock deadline (epoch seconds): the adapter cancels the call at this time.
    deadline_at: float
    self_report: bool = False
    brand: str = ""
    competitors: list[str] = []
    # Ask the model with the engine's own web search on (the cell's surface is then "api+search").
    search: bool = False
    purpose: JobPurpose = "answer"
    # The text sent to the model instead of ``question`` when set (a judging prompt embeds the
    # answer it judges; built by shared/judge/prompt.py).
    prompt: str | None = None


class CellResult(msgspec.Struct, kw_only=True, tag="result"):
    """The one envelope an adapter publishes per cell, success or failure, with its status."""

    v: int = CONTRACT_VERSION
    run_id: str
    cell_id: str
    model: str
    status: CellStatus
    answer: str = ""
    reasoning: str | None = None
    finish_reason: str | None = None
    usage: Usage = msgspec.field(default_factory=Usage)
    cost: float | None = None
    currency: str | None = None
    citations: list[Citation] = []
    # "api+search" when the call ran with the engine's web search on; never mixed in one figure.
    surface: Surface = "api"
    sources: list[Source] = []
    spans: list[Span] = []
    provider_request_id: str | None = None
    attempts: int = 0
    latency_ms: int | None = None
    error: ErrorInfo | None = None
    started_at: float | None = None
    finished_at: float | None = None
    adapter_id: str | None = None


class Progress(msgspec.Struct, kw_only=True, tag="progress"):
    v: int = CONTRACT_VERSION
    run_id: str
    stage: Stage
    done: int
    total: int
    by_status: dict[str, int] = {}
    by_model: dict[str, dict[str, int]] = {}
    at: float = 0.0
    # Spend so far (catalogue currency) from the cells' reported usage and the judge's calls; the
    # dispatcher stops releasing cells of a run whose spend reaches its max_cost.
    cost: float | None = None
    # Judge jobs (request ``judge``) known so far and those with a stored outcome: a run whose
    # cells are all done is still running while judged < judge_jobs.
    judge_jobs: int = 0
    judged: int = 0


class Completed(msgspec.Struct, kw_only=True, tag="completed"):
    """Published only after every cell and the report are stored."""

    v: int = CONTRACT_VERSION
    run_id: str
    status: RunStatus
    done: int
    total: int
    by_status: dict[str, int] = {}
    reason: str | None = None
    at: float = 0.0
    # The run's judge jobs and their stored outcomes, as in Progress (0 and 0 without a judge).
    judge_jobs: int = 0
    judged: int = 0


RunEvent = Progress | Completed


class ModelHealth(msgspec.Struct, kw_only=True, tag="health"):
    """An adapter's view of its model, kept fresh in the health KV bucket."""

    v: int = CONTRACT_VERSION
    model: str
    # quota_exhausted: a per-day quota is spent; no call is made until `until`.
    state: Literal["ready", "not_configured", "misconfigured", "degraded", "quota_exhausted"]
    reason: str | None = None
    until: float | None = None
    breaker: Literal["closed", "open", "half_open"] = "closed"
    in_flight: int = 0
    concurrency: int = 0
    adapter_id: str = ""
    protocol: str = ""
    at: float = 0.0
    # The model's latency over the adapter's recent answered calls (time estimates, shared/estimate.py).
    latency_p50_ms: float | None = None
    latency_p90_ms: float | None = None
    latency_samples: int = 0
