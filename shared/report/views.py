"""``ReportViews``: the single pass over a run's cells, feeding every view of the report.

Each cell is read once and handed to the views it counts in — totals, the brand tallies (overall,
per lane, per question), the matrix samples, sources, citations, cost, failures, self-reports —
so a 10,000-cell report stays well under a second. The views themselves live in their own
modules (breakdowns, matrix, stability, source_tally, cost_tally, citations, cell_views); this
one only decides which cell counts where:

- Overall and per-question figures count the primary surface (the request's) only; lanes count
  their own surface. api and api+search are never one figure.
- Brand metrics count analysed answers only (answered, with an analysis attached).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from shared.contracts import ANSWERED, CellRecord, Surface
from shared.report.breakdowns import Breakdowns
from shared.report.cell_views import cell_view, failure_of
from shared.report.citations import CitationTally
from shared.report.cost_tally import CostTally
from shared.report.matrix import SampleGroups
from shared.report.source_tally import SourceTally
from shared.report.tally import BrandTally, Observation, TrackedBrand, observe
from shared.report.types import CellView, Disagreement, Failure, Metric, Totals


@dataclass(slots=True)
class ReportViews:
    """Everything accumulated in the single pass over the cells."""

    brands: list[TrackedBrand]
    primary: Surface
    # Cells ran on both surfaces: model rows are labelled "model (surface)".
    mixed: bool
    citation_tally: CitationTally
    overall: BrandTally = field(init=False)
    breakdowns: Breakdowns = field(init=False)
    groups: SampleGroups = field(default_factory=SampleGroups)
    sources: SourceTally = field(default_factory=SourceTally)
    costs: CostTally = field(default_factory=CostTally)
    question_text: dict[int, str] = field(default_factory=dict)
    by_status: Counter[str] = field(default_factory=Counter)
    analysed: int = 0
    # Analysed answers of the request's own surface: the denominator of the overall figures.
    primary_analysed: int = 0
    failures: list[Failure] = field(default_factory=list)
    self_reports: int = 0
    disagreements: list[Disagreement] = field(default_factory=list)
    cells: list[CellView] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.overall = BrandTally(self.brands)
        self.breakdowns = Breakdowns(self.brands, self.primary, self.mixed)

    def add(self, cell: CellRecord) -> None:
        spec, result = cell.spec, cell.result
        status = result.status
        self.by_status[status] += 1
        self.question_text.setdefault(spec.question_index, spec.question)
        lane = (spec.model, result.surface)
        # Overall and per-question figures count the primary surface only (never both).
        primary = result.surface == self.primary
        self.breakdowns.count(lane, spec.question_index, status)
        group_key = (spec.question_index, spec.model, result.surface)
        self.groups.count(group_key)
        # A cell held back by max_cost was never sent: it cost nothing, so it is neither priced
        # nor "unpriced" (which would wrongly call the run's known spend a lower bound).
        if status != "budget_exceeded":
            self.costs.add(spec.model, result.cost, result.currency)
        view = cell_view(cell)
        self.cells.append(view)
        answered = status in ANSWERED
        if not answered or status == "truncated":
            # A truncated answer is analysed like any other, and listed so the reader sees it.
            self.failures.append(failure_of(view))
        if not answered:
            return
        analysis = cell.analysis
        if analysis is None:
            return
        self.analysed += 1
        observation: Observation = observe(analysis, self.brands)
        self.breakdowns.observe(lane, spec.question_index, observation)
        if primary:
            self.primary_analysed += 1
            self.overall.add(observation)
            self.sources.add(cell)
        main = observation.brands[0]
        self.groups.add(group_key, main[0], main[2])
        self.citation_tally.add(cell)
        if analysis.self_report is not None:
            self.self_reports += 1
        if analysis.disagreements:
            self.disagreements.append(
                Disagreement(cell_id=spec.cell_id, model=spec.model, notes=list(analysis.disagreements))
            )

    def totals(self, expected: int) -> Totals:
        recorded = sum(self.by_status.values())
        cells = max(expected, recorded)
        ok = self.by_status.get("ok", 0)
        truncated = self.by_status.get("truncated", 0)
        answered = ok + truncated + self.by_status.get("filtered", 0)
        coverage = (
            Metric(value=(ok + truncated) / cells, n=cells) if cells
            else Metric(value=None, reason="the run has no cells")
        )
        return Totals(
            cells=cells,
            recorded=recorded,
            missing=cells - recorded,
            by_status=dict(sorted(self.by_status.items())),
            ok=ok,
            truncated=truncated,
            answered=answered,
            analysed=self.analysed,
            failed=recorded - answered,
            coverage=coverage,
        )
