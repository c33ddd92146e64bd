"""The diagnosis report as typed msgspec Structs (stored as JSON, rendered to MD/HTML/CSV).

Why these rules:
- Every field has a default, so fields are only ever added and old stored reports decode.
- A number with no data behind it is never invented: it is ``value = None`` with ``reason``
  saying why (the system this replaces filled gaps with 50 and showed it as real). Every
  metric uses one of two shapes, ``Metric`` (a mean or a total) or ``Proportion`` (a rate
  with its Wilson 95% interval), both carrying ``value``, ``reason`` and ``n``.
- docs/metrics.md defines each number; the tests pin those definitions.

This module holds the report envelope (``Report`` with its totals, cost and cells), the
comparison of two reports and the reanalysis reply; the figures are in metric_types.py, the
sources and citations in citation_types.py, the trust sections in quality_types.py and the
judge's in judge_types.py. Every report type is importable from here.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from shared.analysis.types import AnswerAnalysis
from shared.contracts import Brand, Citation, Source, Span, Surface, Usage
from shared.report.citation_types import (
    BrandCitations,
    CategoryShare,
    CitationGap,
    DomainCitations,
    DomainCount,
    SourceCount,
    Sources,
    SurfaceCitations,
)
from shared.report.judge_types import JudgeSummary
from shared.report.metric_types import (
    BrandKind,
    BrandMetrics,
    Breakdown,
    MatrixCell,
    Metric,
    Proportion,
    ToneCounts,
)
from shared.report.quality_types import (
    Agreement,
    Disagreement,
    Failure,
    Review,
    ReviewCount,
    ReviewItem,
    SelfReportSummary,
    Stability,
)

__all__ = [
    "REPORT_VERSION",
    "Agreement",
    "BrandCitations",
    "BrandDelta",
    "BrandKind",
    "BrandMetrics",
    "Breakdown",
    "CategoryShare",
    "CellError",
    "CellView",
    "CitationGap",
    "Comparison",
    "CostLine",
    "CostSummary",
    "Disagreement",
    "DomainCitations",
    "DomainCount",
    "Failure",
    "MatrixCell",
    "Metric",
    "Proportion",
    "ReanalysisSummary",
    "Report",
    "ReportStatus",
    "Review",
    "ReviewCount",
    "ReviewItem",
    "SelfReportSummary",
    "SourceCount",
    "Sources",
    "Stability",
    "SurfaceCitations",
    "ToneCounts",
    "Totals",
]

REPORT_VERSION = 1

ReportStatus = Literal["complete", "partial", "failed"]


class CostLine(msgspec.Struct, kw_only=True):
    """Spend in one currency for one model (``model`` None = the whole run)."""

    model: str | None = None
    amount: float | None = None
    currency: str | None = None
    priced_cells: int = 0
    unpriced_cells: int = 0
    reason: str | None = None


class CostSummary(msgspec.Struct, kw_only=True):
    by_model: list[CostLine] = []
    total: list[CostLine] = []


class CellError(msgspec.Struct, kw_only=True):
    error_class: str
    message: str
    http_status: int | None = None
    provider_code: str | None = None


class CellView(msgspec.Struct, kw_only=True):
    """One cell as the report shows it: the verbatim answer and what the analyser read in it."""

    cell_id: str
    question: str
    question_index: int
    model: str
    sample: int = 0
    competitor: str | None = None
    status: str = "ok"
    attempts: int = 0
    latency_ms: int | None = None
    answer: str = ""
    reasoning: str | None = None
    finish_reason: str | None = None
    error: CellError | None = None
    usage: Usage = msgspec.field(default_factory=Usage)
    cost: float | None = None
    currency: str | None = None
    citations: list[Citation] = []
    # Issue #18: "api+search" when the engine's web search was on; the engine's sources (kind
    # cited | retrieved | named) and the spans citing them, in character offsets of ``answer``.
    surface: Surface = "api"
    sources: list[Source] = []
    spans: list[Span] = []
    analysis: AnswerAnalysis | None = None


class Totals(msgspec.Struct, kw_only=True):
    # Cells the run expected (the dispatcher's list); ``recorded`` of them have a stored result.
    cells: int = 0
    recorded: int = 0
    missing: int = 0
    by_status: dict[str, int] = {}
    ok: int = 0
    # ok + truncated + filtered: every answer, including content-filter refusals.
    answered: int = 0
    # Answered cells that carry an analysis: the denominator of every brand metric.
    analysed: int = 0
    failed: int = 0
    # (ok + truncated) cells / all cells.
    coverage: Metric = msgspec.field(default_factory=Metric)
    # Answers stopped at the output-token cap: counted in coverage and listed in failures.
    truncated: int = 0


class Report(msgspec.Struct, kw_only=True):
    v: int = REPORT_VERSION
    run_id: str = ""
    status: ReportStatus = "failed"
    reason: str | None = None
    brand: Brand = msgspec.field(default_factory=lambda: Brand(name=""))
    competitors: list[Brand] = []
    models: list[str] = []
    questions: list[str] = []
    samples: int = 1
    created_at: float | None = None
    finished_at: float | None = None
    generated_at: float = 0.0
    # ANALYSER_VERSION of the analyses behind the metrics ("a, b" when cells were read by several
    # versions); None when no answer was analysed. Metrics from different versions differ.
    analyser_version: str | None = None
    # Set when the report was rebuilt by re-running the analyser over the stored answers.
    reanalysed_at: float | None = None
    totals: Totals = msgspec.field(default_factory=Totals)
    brands: list[BrandMetrics] = []
    by_model: list[Breakdown] = []
    by_question: list[Breakdown] = []
    matrix: list[MatrixCell] = []
    # The surfaces the cells ran on ("api", "api+search"), in that order; every figure counts one.
    surfaces: list[Surface] = []
    # Per surface: which domains the engines' citations come from, per brand (issue #18).
    citations: list[SurfaceCitations] = []
    sources: Sources = msgspec.field(default_factory=Sources)
    failures: list[Failure] = []
    cost: CostSummary = msgspec.field(default_factory=CostSummary)
    stability: Stability = msgspec.field(default_factory=Stability)
    self_report: SelfReportSummary = msgspec.field(default_factory=SelfReportSummary)
    # Unsure verdicts per model and the list to review (issue #12).
    review: Review = msgspec.field(default_factory=Review)
    cells: list[CellView] = []
    # Present when the request named a judge (issue #12).
    judge: JudgeSummary | None = None


class BrandDelta(msgspec.Struct, kw_only=True):
    """One brand's change between two reports, overall (``model`` None) or for one model."""

    brand: str
    model: str | None = None
    visibility_a: Proportion = msgspec.field(default_factory=Proportion)
    visibility_b: Proportion = msgspec.field(default_factory=Proportion)
    visibility_delta: Metric = msgspec.field(default_factory=Metric)
    rank_a: Metric = msgspec.field(default_factory=Metric)
    rank_b: Metric = msgspec.field(default_factory=Metric)
    rank_delta: Metric = msgspec.field(default_factory=Metric)
    z: float | None = None
    p_value: float | None = None
    # True when the visibility change is beyond noise (two-proportion z-test, 95%); None when
    # one side has no answers, so no test is possible.
    significant: bool | None = None
    reason: str | None = None


class Comparison(msgspec.Struct, kw_only=True):
    v: int = REPORT_VERSION
    run_a: str = ""
    run_b: str = ""
    test: str = "two-proportion z-test, 95% (|z| > 1.96)"
    deltas: list[BrandDelta] = []


class ReanalysisSummary(msgspec.Struct, kw_only=True):
    """What re-analysing a finished run did (the reply of brandlens.runs.reanalyze)."""

    v: int = REPORT_VERSION
    run_id: str = ""
    status: str = ""
    # Stored cells read, cells with an answer that were analysed, and those whose analysis
    # differs from the one stored with the cell.
    cells: int = 0
    analysed: int = 0
    changed: int = 0
    analyser_version: str = ""
    # Analyser versions found on the stored cells, with how many cells each analysed.
    previous_versions: dict[str, int] = {}
    # Main-brand visibility: the run record's headline (from the original report), then the new one.
    visibility_before: float | None = None
    visibility_after: float | None = None
    generated_at: float = 0.0
    elapsed_ms: int = 0
    # Worker processes the answers were spread over; 0 = analysed in the aggregator's process.
    workers: int = 0
    # Runs with a judge (issue #12): judge jobs this re-analysis sent, for answers its rules leave
    # unsure that no judge job had been sent about; those not sent because the run had spent its
    # max_cost; and all judge jobs out with no outcome yet (this one's and earlier ones').
    judge_jobs: int = 0
    judge_over_budget: int = 0
    judge_pending: int = 0
