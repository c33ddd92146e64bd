"""The diagnosis report as typed msgspec Structs (stored as JSON, rendered to MD/HTML/CSV).

Why these rules:
- Every field has a default, so fields are only ever added and old stored reports decode.
- A number with no data behind it is never invented: it is ``value = None`` with ``reason``
  saying why (the system this replaces filled gaps with 50 and showed it as real). Every
  metric uses one of two shapes, ``Metric`` (a mean or a total) or ``Proportion`` (a rate
  with its Wilson 95% interval), both carrying ``value``, ``reason`` and ``n``.
- docs/metrics.md defines each number; the tests pin those definitions.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from shared.analysis.types import AnswerAnalysis
from shared.contracts import Brand, Citation, Source, Span, Surface, Usage
from shared.report.judge_types import JudgeSummary

REPORT_VERSION = 1

ReportStatus = Literal["complete", "partial", "failed"]
BrandKind = Literal["main", "competitor", "discovered"]


class Metric(msgspec.Struct, kw_only=True):
    """A mean or total over ``n`` observations; ``value`` is None (with ``reason``) when n = 0."""

    value: float | None = None
    reason: str | None = None
    n: int = 0


class Proportion(msgspec.Struct, kw_only=True):
    """``k`` of ``n`` answers, with the Wilson score 95% interval [low, high]."""

    value: float | None = None
    reason: str | None = None
    n: int = 0
    k: int = 0
    low: float | None = None
    high: float | None = None


class ToneCounts(msgspec.Struct, kw_only=True):
    positive: int = 0
    neutral: int = 0
    negative: int = 0


class BrandMetrics(msgspec.Struct, kw_only=True):
    """How one brand fared over a set of answers (the whole run, one model, one question…)."""

    brand: str
    kind: BrandKind = "main"
    visibility: Proportion = msgspec.field(default_factory=Proportion)
    mentions: int = 0
    avg_rank: Metric = msgspec.field(default_factory=Metric)
    first_rate: Proportion = msgspec.field(default_factory=Proportion)
    top3_rate: Proportion = msgspec.field(default_factory=Proportion)
    share_of_voice: Metric = msgspec.field(default_factory=Metric)
    impression_share: Metric = msgspec.field(default_factory=Metric)
    sentiment: Metric = msgspec.field(default_factory=Metric)
    tones: ToneCounts = msgspec.field(default_factory=ToneCounts)
    # Competitors only: answers where this competitor intercepts the main brand.
    interception: Proportion | None = None
    # Main brand only: answers where any competitor intercepts it.
    intercepted: Proportion | None = None


class Breakdown(msgspec.Struct, kw_only=True):
    """The brand metrics restricted to one model or one question."""

    key: str
    question_index: int | None = None
    # The surface of every cell counted here (a report over both surfaces has a model row per
    # surface, keyed "model (surface)"; the overall and per-question figures count one surface).
    surface: Surface = "api"
    cells: int = 0
    ok: int = 0
    answered: int = 0
    analysed: int = 0
    failed: int = 0
    coverage: Metric = msgspec.field(default_factory=Metric)
    brands: list[BrandMetrics] = []


class MatrixCell(msgspec.Struct, kw_only=True):
    """Main-brand standing for one question asked of one model (over its samples)."""

    question_index: int
    question: str
    model: str
    surface: Surface = "api"
    cells: int = 0
    analysed: int = 0
    visibility: Proportion = msgspec.field(default_factory=Proportion)
    avg_rank: Metric = msgspec.field(default_factory=Metric)


class SourceCount(msgspec.Struct, kw_only=True):
    name: str
    answers: int = 0


class Sources(msgspec.Struct, kw_only=True):
    domains: list[SourceCount] = []
    named: list[SourceCount] = []
    answers_with_sources: Proportion = msgspec.field(default_factory=Proportion)


class DomainCitations(msgspec.Struct, kw_only=True):
    """One domain's citations on one surface: the answers whose cited sources include it."""

    domain: str
    platform: str = ""
    # A SourceCategory of shared.report.taxonomy (own-site, competitor-site, ugc, …).
    category: str = "other"
    answers: int = 0
    # answers / the sum of ``answers`` over every domain of the surface (each answer counts a
    # domain once, however many of its sources are on it).
    share: Metric = msgspec.field(default_factory=Metric)


class DomainCount(msgspec.Struct, kw_only=True):
    domain: str
    platform: str = ""
    category: str = "other"
    answers: int = 0


class BrandCitations(msgspec.Struct, kw_only=True):
    """The domains of the sources attributed to one brand (its ``cited_sources``), per answer."""

    brand: str
    kind: BrandKind = "main"
    # Analysed answers in which some source is attributed to the brand.
    answers_cited: int = 0
    domains: list[DomainCount] = []


class CitationGap(msgspec.Struct, kw_only=True):
    """Where to get cited: domains that cite a competitor in some answer and the main brand in none."""

    competitor: str
    domains: list[DomainCount] = []


class CategoryShare(msgspec.Struct, kw_only=True):
    category: str
    label: str = ""
    domains: int = 0
    answers: int = 0
    share: Metric = msgspec.field(default_factory=Metric)


class SurfaceCitations(msgspec.Struct, kw_only=True):
    """Citation figures for one surface; api and api+search answers are never counted together."""

    surface: Surface = "api"
    # Analysed answers on this surface, and those with at least one cited source.
    answers: int = 0
    answers_with_citations: Proportion = msgspec.field(default_factory=Proportion)
    domains: list[DomainCitations] = []
    brands: list[BrandCitations] = []
    gaps: list[CitationGap] = []
    taxonomy: list[CategoryShare] = []


class Failure(msgspec.Struct, kw_only=True):
    cell_id: str
    question_index: int
    model: str
    sample: int
    status: str
    reason: str | None = None
    attempts: int = 0


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


class Agreement(msgspec.Struct, kw_only=True):
    """How consistently repeated samples of one question × model agree about the main brand."""

    question_index: int
    model: str
    samples: int = 0
    mention_agreement: Metric = msgspec.field(default_factory=Metric)
    rank_agreement: Metric = msgspec.field(default_factory=Metric)
    interval_width: Metric = msgspec.field(default_factory=Metric)


class Stability(msgspec.Struct, kw_only=True):
    groups: list[Agreement] = []
    mention_agreement: Metric = msgspec.field(default_factory=Metric)
    rank_agreement: Metric = msgspec.field(default_factory=Metric)
    interval_width: Metric = msgspec.field(default_factory=Metric)
    reason: str | None = None


class Disagreement(msgspec.Struct, kw_only=True):
    cell_id: str
    model: str
    notes: list[str] = []


class SelfReportSummary(msgspec.Struct, kw_only=True):
    answers_with_self_report: int = 0
    disagreement_count: int = 0
    disagreements: list[Disagreement] = []


class ReviewItem(msgspec.Struct, kw_only=True):
    """One unsure verdict an analyst should read (issue #12)."""

    cell_id: str
    model: str
    question_index: int
    brand: str
    rank: int | None = None
    tone: str | None = None
    reasons: list[str] = []


class ReviewCount(msgspec.Struct, kw_only=True):
    model: str
    # Mentioned-brand verdicts the analyser gave for this model's answers, and how many are unsure.
    verdicts: int = 0
    unsure: int = 0


class Review(msgspec.Struct, kw_only=True):
    by_model: list[ReviewCount] = []
    items: list[ReviewItem] = []


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
