"""Messages on the bus and records in the store, as msgspec Structs (JSON on the wire).

Why these rules:
- Every message carries ``v`` (the contract version). Fields are only ever *added*, each with
  a default, so an old reader decodes a new message and a new reader decodes an old one.
- Unknown fields are ignored (msgspec's default; never ``forbid_unknown_fields``), so a newer
  producer never breaks an older consumer.
- Bus messages are a tagged union on ``type`` so one decoder serves a subject that carries
  several kinds of event, and a person reading ``nats sub`` output sees what each one is.
- Encoders/decoders are built once at import: msgspec compiles them, and building one per
  message would cost more than the decode itself.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from shared.analysis.types import AnswerAnalysis
from shared.brand import Brand as Brand  # re-exported: part of the request contract

CONTRACT_VERSION = 1

# Terminal statuses of a cell. "ok", "filtered" and "truncated" are answers (a content filter is
# a valid, reportable outcome; "truncated" was stopped at the output-token cap: answered but
# incomplete, so analysed and also flagged); everything else is a classified failure.
# shared/errors.py maps exceptions onto these.
CellStatus = Literal[
    "ok",
    "filtered",
    "truncated",
    "auth_error",
    "config_error",
    "bad_request",
    "rate_limited",
    "upstream_error",
    "timeout",
    "unreachable",
    "malformed",
    "circuit_open",
    "deadline_exceeded",
    "crashed",
    "budget_exceeded",
]
ANSWERED: frozenset[str] = frozenset({"ok", "filtered", "truncated"})
# Answers that nonetheless belong in a report's failures table: the reader must see them.
FLAGGED: frozenset[str] = frozenset({"filtered", "truncated"})

RunStatus = Literal["running", "complete", "partial", "failed"]
TERMINAL_RUN: frozenset[str] = frozenset({"complete", "partial", "failed"})
Stage = Literal["accepted", "dispatched", "running", "reporting", "done"]
# "answer": a cell's question for a model; "judge": a judging prompt about a stored answer
# (issue #12), an ordinary job on the judge model's subject with cell id "<cell>:judge".
JobPurpose = Literal["answer", "judge"]


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


class CellSpec(msgspec.Struct, kw_only=True, array_like=False):
    """One cell of the matrix as the dispatcher defined it: the run expects exactly these."""

    cell_id: str
    question_index: int
    question: str
    model: str
    sample: int
    competitor: str | None = None


class Usage(msgspec.Struct, kw_only=True):
    """Tokens one call was billed for, normalised across providers (each client maps its fields).

    ``input_tokens`` is every input token, cached ones included; ``cached_input_tokens`` and
    ``cache_write_tokens`` are parts of it. ``output_tokens`` is every output token, reasoning
    included (Gemini's thoughtsTokenCount and xAI's reasoning_tokens are added to it);
    ``reasoning_tokens`` is the part of it spent thinking.
    """

    input_tokens: int | None = None
    output_tokens: int | None = None
    reasoning_tokens: int | None = None
    cached_input_tokens: int | None = None
    cache_write_tokens: int | None = None
    # Web searches the engine ran (and bills per search) for this answer; None: search was off
    # or the engine does not say.
    search_calls: int | None = None


class Citation(msgspec.Struct, kw_only=True):
    url: str
    title: str | None = None
    # The cited site's domain when the URL does not show it: Gemini grounding links all point at
    # vertexaisearch.cloud.google.com/grounding-api-redirect/…, the site is in the chunk's title.
    site: str | None = None


Surface = Literal["api", "api+search"]
SourceKind = Literal["cited", "retrieved", "named"]


class Source(msgspec.Struct, kw_only=True):
    """One source of an answer, normalised across engines (issue #18).

    ``cited``: a span of the answer points at it; ``retrieved``: the engine consulted it but no
    span cites it; ``named``: only named in the answer text (a URL or a platform written out).
    ``domain`` is the real site (for Gemini's redirect links, taken from the chunk's title).
    """

    id: str
    url: str = ""
    domain: str = ""
    title: str = ""
    site_name: str = ""
    kind: SourceKind = "cited"


class Span(msgspec.Struct, kw_only=True):
    """A stretch of the answer and the sources that back it, in *character* offsets of ``answer``.

    Engines that report UTF-8 byte offsets (Gemini) or markers ([n], [ref_n], ^[n]^) are converted
    into this one shape by their client, so attribution never needs to know the engine.
    """

    start: int
    end: int
    source_ids: list[str] = []


class ErrorInfo(msgspec.Struct, kw_only=True):
    """A failure as it may travel on the bus: sanitised and capped, never an exception repr."""

    error_class: str
    message: str
    http_status: int | None = None
    provider_code: str | None = None


# --- bus messages ---------------------------------------------------------------------------


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


# --- stored records -------------------------------------------------------------------------


class RunRecord(msgspec.Struct, kw_only=True):
    """Authoritative run state (KV brandlens_runs, key = run_id)."""

    v: int = CONTRACT_VERSION
    run_id: str
    request: DiagnosisRequest
    total: int
    status: RunStatus = "running"
    stage: Stage = "accepted"
    created_at: float
    deadline_at: float
    finished_at: float | None = None
    reason: str | None = None
    by_status: dict[str, int] = {}
    # Headline numbers for `brandlens runs`, filled when the report is stored.
    coverage: float | None = None
    visibility: float | None = None
    cost: float | None = None
    # Judge jobs and stored judge outcomes when the run ended (issue #12; 0 and 0 without a judge).
    judge_jobs: int = 0
    judged: int = 0


class CellRecord(msgspec.Struct, kw_only=True):
    """One stored cell (KV brandlens_cells, key = <run_id>.<cell_id>), written create-only."""

    v: int = CONTRACT_VERSION
    spec: CellSpec
    result: CellResult
    analysis: AnswerAnalysis | None = None
    stored_at: float = 0.0


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


# Built once: msgspec compiles an encoder/decoder per type, which is the expensive part.
encoder = msgspec.json.Encoder()
request_decoder = msgspec.json.Decoder(DiagnosisRequest)
job_decoder = msgspec.json.Decoder(Job)
result_decoder = msgspec.json.Decoder(CellResult)
event_decoder = msgspec.json.Decoder(RunEvent)
health_decoder = msgspec.json.Decoder(ModelHealth)
run_decoder = msgspec.json.Decoder(RunRecord)
cell_decoder = msgspec.json.Decoder(CellRecord)
accepted_decoder = msgspec.json.Decoder(SubmitAccepted)
error_decoder = msgspec.json.Decoder(ErrorReply)


def encode(obj: object) -> bytes:
    return encoder.encode(obj)
