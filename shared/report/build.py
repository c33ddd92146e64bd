"""``build_report``: one pass over the stored cells into a typed ``Report``.

Definitions of every number live in docs/metrics.md. The rules that shape this module:
- Failed cells never enter a denominator: brand metrics are over *analysed answers* (status
  ok, truncated or filtered, with an analysis attached).
- The run status is the caller's (the aggregator derives it with ``derive_run_status``); the
  report repeats it rather than recomputing it, so the report and the run record never differ.
- Nothing is invented: a number without data is None with a reason.

This module sets up the run (model order, lanes, tracked brands, question labels) and assembles
the ``Report``; the single pass is ``ReportViews`` (shared/report/views.py) and each view has its
own module.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from typing import TypeVar

from shared.contracts import ANSWERED, CellRecord, DiagnosisRequest, RunRecord, Surface
from shared.report.citations import SURFACE_ORDER, CitationTally
from shared.report.lanes import lanes_of
from shared.report.matrix import matrix_cell
from shared.report.review import build_review
from shared.report.stability import build_stability
from shared.report.tally import TrackedBrand
from shared.report.types import Report, ReportStatus, SelfReportSummary
from shared.report.views import ReportViews

T = TypeVar("T")

TOP_DISCOVERED = 5
_REPORT_STATUSES: frozenset[str] = frozenset({"complete", "partial", "failed"})


def build_report(run: RunRecord, cells: list[CellRecord], *, generated_at: float | None = None) -> Report:
    request = run.request
    model_order = _ordered(request.models, (cell.spec.model for cell in cells))
    model_rank = {model: index for index, model in enumerate(model_order)}
    ordered_cells = sorted(
        cells,
        key=lambda c: (c.spec.question_index, model_rank[c.spec.model], c.spec.sample, c.spec.cell_id),
    )
    brands = _tracked_brands(run, ordered_cells)
    surfaces = [s for s in SURFACE_ORDER if any(c.result.surface == s for c in ordered_cells)]
    # The surface the overall and per-question figures count: the request's. Search on and off
    # are never one figure; a model's cells on another surface get their own rows.
    primary: Surface = "api+search" if request.search else "api"
    views = ReportViews(brands=brands, primary=primary, mixed=len(surfaces) > 1,
                        citation_tally=CitationTally(request.brand, list(request.competitors)))
    for cell in ordered_cells:
        views.add(cell)

    reason = run.reason
    if run.status not in _REPORT_STATUSES:
        reason = reason or f"report built while the run was still {run.status!r}"
    # Every question a cell carries, whatever its surface (question_text keeps one per index).
    question_indexes = _ordered(range(len(request.questions)), views.question_text.keys())
    lanes = lanes_of(model_order, ordered_cells, primary)
    # Labels show the question as asked, not the template (`questions` keeps the templates).
    asked = [_as_asked(template, request) for template in request.questions]
    return Report(
        run_id=run.run_id,
        status=_as_status(run.status),
        reason=reason,
        brand=request.brand,
        competitors=list(request.competitors),
        models=list(request.models),
        questions=list(request.questions),
        samples=request.samples,
        created_at=run.created_at,
        finished_at=run.finished_at,
        generated_at=time.time() if generated_at is None else generated_at,
        analyser_version=_analyser_version(ordered_cells),
        totals=views.totals(run.total),
        brands=views.overall.finish(),
        by_model=[views.breakdowns.model_breakdown(model, surface) for model, surface in lanes],
        by_question=[
            views.breakdowns.question_breakdown(index, _question_text(asked, index, views))
            for index in question_indexes
        ],
        matrix=[
            matrix_cell(views.groups, index, _question_text(asked, index, views), model, surface, views.mixed)
            for index in question_indexes
            for model, surface in lanes
        ],
        surfaces=surfaces,
        citations=views.citation_tally.finish(),
        sources=views.sources.finish(views.primary_analysed),
        failures=views.failures,
        cost=views.costs.finish(model_order),
        stability=build_stability(views.groups, request.samples, question_indexes, lanes, views.mixed),
        self_report=SelfReportSummary(
            answers_with_self_report=views.self_reports,
            disagreement_count=len(views.disagreements),
            disagreements=views.disagreements,
        ),
        review=build_review(views.cells, model_order),
        cells=views.cells,
    )


def _analyser_version(cells: list[CellRecord]) -> str | None:
    versions = {c.analysis.analyser_version for c in cells if c.analysis is not None and c.result.status in ANSWERED}
    return ", ".join(sorted(versions)) or None


def _as_status(status: str) -> ReportStatus:
    if status == "complete":
        return "complete"
    if status == "partial":
        return "partial"
    return "failed"


def _ordered(declared: Iterable[T], seen: Iterable[T]) -> list[T]:
    """Declared order first, then anything the cells carry that the request did not declare."""
    order = list(dict.fromkeys(declared))
    known = set(order)
    for item in seen:
        if item not in known:
            known.add(item)
            order.append(item)
    return order


def _as_asked(template: str, request: DiagnosisRequest) -> str:
    """The template with the brand filled in, as the models were asked it; a `{competitor}`
    question was asked once per competitor, so its label names them all."""
    text = template.replace("{brand}", request.brand.name.strip())
    if "{competitor}" in text and request.competitors:
        text = text.replace("{competitor}", "/".join(c.name.strip() for c in request.competitors))
    return text


def _question_text(questions: list[str], index: int, views: ReportViews) -> str:
    if 0 <= index < len(questions):
        return questions[index]
    return views.question_text.get(index, "")


def _tracked_brands(run: RunRecord, cells: list[CellRecord]) -> list[TrackedBrand]:
    request = run.request
    tracked = [TrackedBrand(request.brand.name, "main")]
    competitors = dict.fromkeys(c.name for c in request.competitors if c.name != request.brand.name)
    tracked += [TrackedBrand(name, "competitor") for name in competitors]
    known = {alias.casefold() for b in [request.brand, *request.competitors] for alias in [b.name, *b.aliases]}
    discovered: Counter[str] = Counter()
    for cell in cells:
        analysis = cell.analysis
        if analysis is None or cell.result.status not in ANSWERED:
            continue
        names = {*analysis.recommended, *analysis.discovered}
        discovered.update(name for name in names if name.casefold() not in known and name.strip())
    top = sorted(discovered.items(), key=lambda item: (-item[1], item[0]))[:TOP_DISCOVERED]
    return tracked + [TrackedBrand(name, "discovered") for name, _ in top]
