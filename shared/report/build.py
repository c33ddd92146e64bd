"""``build_report``: one pass over the stored cells into a typed ``Report``.

Definitions of every number live in docs/metrics.md. The rules that shape this module:
- Failed cells never enter a denominator: brand metrics are over *analysed answers* (status
  ok, truncated or filtered, with an analysis attached).
- The run status is the caller's (the aggregator derives it with ``derive_run_status``); the
  report repeats it rather than recomputing it, so the report and the run record never differ.
- Nothing is invented: a number without data is None with a reason.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import urlsplit

from shared.contracts import ANSWERED, CellRecord, DiagnosisRequest, RunRecord, Surface
from shared.errors import sanitize
from shared.report.citations import SURFACE_ORDER, CitationTally
from shared.report.review import build_review
from shared.report.stats import mean, proportion
from shared.report.tally import NO_ANSWERS, BrandTally, Observation, TrackedBrand, observe
from shared.report.types import (
    Agreement,
    Breakdown,
    CellError,
    CellView,
    CostLine,
    CostSummary,
    Disagreement,
    Failure,
    MatrixCell,
    Metric,
    Report,
    ReportStatus,
    SelfReportSummary,
    SourceCount,
    Sources,
    Stability,
    Totals,
)

T = TypeVar("T")
# Cells that count towards coverage: the model answered (a truncated answer is still its answer).
COVERED = frozenset({"ok", "truncated"})

TOP_DISCOVERED = 5
TOP_SOURCES = 20
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
    views = _Views(brands=brands, primary=primary, mixed=len(surfaces) > 1,
                   citation_tally=CitationTally(request.brand, list(request.competitors)))
    for cell in ordered_cells:
        views.add(cell)

    reason = run.reason
    if run.status not in _REPORT_STATUSES:
        reason = reason or f"report built while the run was still {run.status!r}"
    question_indexes = _ordered(range(len(request.questions)), views.question_counts.keys())
    lanes = _lanes(model_order, ordered_cells, primary)
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
        by_model=[views.model_breakdown(model, surface) for model, surface in lanes],
        by_question=[views.question_breakdown(index, asked) for index in question_indexes],
        matrix=[
            views.matrix_cell(index, _question_text(asked, index, views), model, surface)
            for index in question_indexes
            for model, surface in lanes
        ],
        surfaces=surfaces,
        citations=views.citation_tally.finish(),
        sources=views.sources(),
        failures=views.failures,
        cost=views.cost(model_order),
        stability=views.stability(request.samples, question_indexes, lanes),
        self_report=SelfReportSummary(
            answers_with_self_report=views.self_reports,
            disagreement_count=len(views.disagreements),
            disagreements=views.disagreements,
        ),
        review=build_review(views.cells, model_order),
        cells=views.cells,
    )


def _lanes(model_order: list[str], cells: list[CellRecord], primary: Surface) -> list[tuple[str, Surface]]:
    """(model, surface) rows in model order: each surface a model's cells ran on (the request's
    surface for a model without cells)."""
    seen = {(c.spec.model, c.result.surface) for c in cells}
    lanes: list[tuple[str, Surface]] = []
    for model in model_order:
        mine = [s for s in SURFACE_ORDER if (model, s) in seen]
        lanes += [(model, s) for s in mine or [primary]]
    return lanes


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


def _question_text(questions: list[str], index: int, views: _Views) -> str:
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


def _domain(url: str) -> str | None:
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host.removeprefix("www.")


@dataclass(slots=True)
class _GroupCounts:
    cells: int = 0
    ok: int = 0
    # ok + truncated: cells whose answer the provider gave (truncated ones stopped at the cap).
    covered: int = 0
    answered: int = 0
    failed: int = 0


@dataclass(slots=True)
class _Views:
    """Everything accumulated in the single pass over the cells."""

    brands: list[TrackedBrand]
    primary: Surface
    # Cells ran on both surfaces: model rows are labelled "model (surface)".
    mixed: bool
    citation_tally: CitationTally
    overall: BrandTally = field(init=False)
    model_tallies: dict[tuple[str, Surface], BrandTally] = field(default_factory=dict)
    question_tallies: dict[int, BrandTally] = field(default_factory=dict)
    model_counts: dict[tuple[str, Surface], _GroupCounts] = field(default_factory=dict)
    question_counts: dict[int, _GroupCounts] = field(default_factory=dict)
    question_text: dict[int, str] = field(default_factory=dict)
    # (question_index, model, surface) -> main-brand (mentioned, rank) per analysed sample.
    groups: dict[tuple[int, str, Surface], list[tuple[bool, int | None]]] = field(default_factory=dict)
    group_cells: Counter[tuple[int, str, Surface]] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)
    analysed: int = 0
    domains: Counter[str] = field(default_factory=Counter)
    named: Counter[str] = field(default_factory=Counter)
    with_sources: int = 0
    failures: list[Failure] = field(default_factory=list)
    costs: dict[tuple[str, str | None], float] = field(default_factory=dict)
    priced: Counter[tuple[str, str | None]] = field(default_factory=Counter)
    unpriced: Counter[str] = field(default_factory=Counter)
    self_reports: int = 0
    disagreements: list[Disagreement] = field(default_factory=list)
    cells: list[CellView] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.overall = BrandTally(self.brands)

    def add(self, cell: CellRecord) -> None:
        spec, result = cell.spec, cell.result
        status = result.status
        self.by_status[status] += 1
        self.question_text.setdefault(spec.question_index, spec.question)
        lane = (spec.model, result.surface)
        # Overall and per-question figures count the primary surface only (never both).
        primary = result.surface == self.primary
        model_counts = self.model_counts.setdefault(lane, _GroupCounts())
        question_counts = self.question_counts.setdefault(spec.question_index, _GroupCounts())
        model_tally = self.model_tallies.get(lane) or self.model_tallies.setdefault(lane, BrandTally(self.brands))
        question_tally = self.question_tallies.get(spec.question_index) or self.question_tallies.setdefault(
            spec.question_index, BrandTally(self.brands)
        )
        group_key = (spec.question_index, spec.model, result.surface)
        self.group_cells[group_key] += 1
        samples = self.groups.setdefault(group_key, [])
        answered = status in ANSWERED
        for counts in (model_counts, question_counts) if primary else (model_counts,):
            counts.cells += 1
            counts.ok += status == "ok"
            counts.covered += status in COVERED
            counts.answered += answered
            counts.failed += not answered
        # A cell held back by max_cost was never sent: it cost nothing, so it is neither priced
        # nor "unpriced" (which would wrongly call the run's known spend a lower bound).
        if status != "budget_exceeded":
            self._add_cost(spec.model, result.cost, result.currency)
        view = _cell_view(cell)
        self.cells.append(view)
        if not answered or status == "truncated":
            # A truncated answer is analysed like any other, and listed so the reader sees it.
            self.failures.append(_failure(view))
        if not answered:
            return
        analysis = cell.analysis
        if analysis is None:
            return
        self.analysed += 1
        observation: Observation = observe(analysis, self.brands)
        model_tally.add(observation)
        if primary:
            self.overall.add(observation)
            question_tally.add(observation)
            self._add_sources(cell)
        main = observation.brands[0]
        samples.append((main[0], main[2]))
        self.citation_tally.add(cell)
        if analysis.self_report is not None:
            self.self_reports += 1
        if analysis.disagreements:
            self.disagreements.append(
                Disagreement(cell_id=spec.cell_id, model=spec.model, notes=list(analysis.disagreements))
            )

    def _add_cost(self, model: str, cost: float | None, currency: str | None) -> None:
        if cost is None:
            self.unpriced[model] += 1
            return
        key = (model, currency)
        self.costs[key] = self.costs.get(key, 0.0) + cost
        self.priced[key] += 1

    def _add_sources(self, cell: CellRecord) -> None:
        assert cell.analysis is not None  # only called for analysed cells
        domains = {d.removeprefix("www.").lower() for d in cell.analysis.cited_domains if d}
        for citation in cell.result.citations:
            # Gemini's grounding URLs are all Google redirects; the client put the real site in `site`.
            domain = citation.site or _domain(citation.url)
            if domain:
                domains.add(domain.lower())
        named = {n for n in cell.analysis.named_sources if n}
        self.domains.update(domains)
        self.named.update(named)
        if domains or named:
            self.with_sources += 1

    # --- finishing ---------------------------------------------------------------------------

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

    def _breakdown(
        self, key: str, counts: _GroupCounts | None, tally: BrandTally | None, index: int | None
    ) -> Breakdown:
        counts = counts or _GroupCounts()
        tally = tally or BrandTally(self.brands)
        coverage = (
            Metric(value=counts.covered / counts.cells, n=counts.cells)
            if counts.cells
            else Metric(value=None, reason="no cells for this group")
        )
        return Breakdown(
            key=key,
            question_index=index,
            cells=counts.cells,
            ok=counts.ok,
            answered=counts.answered,
            analysed=tally.analysed,
            failed=counts.failed,
            coverage=coverage,
            brands=tally.finish(),
        )

    def model_breakdown(self, model: str, surface: Surface) -> Breakdown:
        key = f"{model} ({surface})" if self.mixed else model
        lane = (model, surface)
        breakdown = self._breakdown(key, self.model_counts.get(lane), self.model_tallies.get(lane), None)
        breakdown.surface = surface
        return breakdown

    def question_breakdown(self, index: int, questions: list[str]) -> Breakdown:
        breakdown = self._breakdown(
            _question_text(questions, index, self), self.question_counts.get(index),
            self.question_tallies.get(index), index,
        )
        breakdown.surface = self.primary
        return breakdown

    def matrix_cell(self, index: int, question: str, model: str, surface: Surface) -> MatrixCell:
        samples = self.groups.get((index, model, surface), [])
        ranks = [rank for _, rank in samples if rank is not None]
        empty = NO_ANSWERS if samples else "no analysed answer for this question and model"
        return MatrixCell(
            question_index=index,
            question=question,
            model=f"{model} ({surface})" if self.mixed else model,
            surface=surface,
            cells=self.group_cells.get((index, model, surface), 0),
            analysed=len(samples),
            visibility=proportion(sum(1 for mentioned, _ in samples if mentioned), len(samples), empty),
            avg_rank=mean(sum(ranks), len(ranks), "never a ranked option here" if samples else empty),
        )

    def sources(self) -> Sources:
        def top(counter: Counter[str]) -> list[SourceCount]:
            ranked = sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:TOP_SOURCES]
            return [SourceCount(name=name, answers=count) for name, count in ranked]

        return Sources(
            domains=top(self.domains),
            named=top(self.named),
            answers_with_sources=proportion(self.with_sources, self.analysed, NO_ANSWERS),
        )

    def cost(self, model_order: list[str]) -> CostSummary:
        by_model: list[CostLine] = []
        totals: dict[str | None, float] = {}
        priced_totals: Counter[str | None] = Counter()
        for model in model_order:
            unpriced = self.unpriced.get(model, 0)
            lines = [(currency, amount) for (m, currency), amount in self.costs.items() if m == model]
            if not lines:
                if unpriced:
                    by_model.append(
                        CostLine(model=model, unpriced_cells=unpriced, reason="no cell reported a cost")
                    )
                continue
            for currency, amount in sorted(lines, key=lambda line: line[0] or ""):
                priced = self.priced[(model, currency)]
                totals[currency] = totals.get(currency, 0.0) + amount
                priced_totals[currency] += priced
                by_model.append(
                    CostLine(
                        model=model,
                        amount=amount,
                        currency=currency,
                        priced_cells=priced,
                        unpriced_cells=unpriced,
                        reason=_unpriced_reason(unpriced),
                    )
                )
        unpriced_all = sum(self.unpriced.values())
        if not totals:
            total = [CostLine(unpriced_cells=unpriced_all, reason="no cell reported a cost")]
        else:
            total = [
                CostLine(
                    amount=amount,
                    currency=currency,
                    priced_cells=priced_totals[currency],
                    unpriced_cells=unpriced_all,
                    reason=_unpriced_reason(unpriced_all),
                )
                for currency, amount in sorted(totals.items(), key=lambda item: item[0] or "")
            ]
        return CostSummary(by_model=by_model, total=total)

    def stability(
        self, samples: int, question_indexes: list[int], lanes: list[tuple[str, Surface]]
    ) -> Stability:
        if samples <= 1:
            return Stability(
                reason="one sample per question and model: agreement needs samples > 1",
                mention_agreement=Metric(reason="samples = 1"),
                rank_agreement=Metric(reason="samples = 1"),
                interval_width=Metric(reason="samples = 1"),
            )
        groups = [
            _agreement(index, f"{model} ({surface})" if self.mixed else model,
                       self.groups.get((index, model, surface), []))
            for index in question_indexes
            for model, surface in lanes
        ]

        def average(pick: str) -> Metric:
            values = [getattr(g, pick).value for g in groups if getattr(g, pick).value is not None]
            return mean(sum(values), len(values), "no question × model has two analysed samples")

        return Stability(
            groups=groups,
            mention_agreement=average("mention_agreement"),
            rank_agreement=average("rank_agreement"),
            interval_width=average("interval_width"),
        )


def _unpriced_reason(unpriced: int) -> str | None:
    if unpriced == 0:
        return None
    return f"{unpriced} cell(s) reported no cost and are not included: the amount is a lower bound"


def _agreement(index: int, model: str, samples: list[tuple[bool, int | None]]) -> Agreement:
    n = len(samples)
    if n < 2:
        reason = "fewer than 2 analysed samples"
        return Agreement(
            question_index=index,
            model=model,
            samples=n,
            mention_agreement=Metric(reason=reason, n=n),
            rank_agreement=Metric(reason=reason, n=n),
            interval_width=Metric(reason=reason, n=n),
        )
    mentions = Counter(mentioned for mentioned, _ in samples)
    ranks = Counter(rank for _, rank in samples)
    visibility = proportion(mentions[True], n, NO_ANSWERS)
    width = (visibility.high or 0.0) - (visibility.low or 0.0)
    return Agreement(
        question_index=index,
        model=model,
        samples=n,
        mention_agreement=Metric(value=max(mentions.values()) / n, n=n),
        rank_agreement=Metric(value=max(ranks.values()) / n, n=n),
        interval_width=Metric(value=width, n=n),
    )


def _cell_view(cell: CellRecord) -> CellView:
    spec, result = cell.spec, cell.result
    error = None
    if result.error is not None:
        error = CellError(
            error_class=result.error.error_class,
            message=sanitize(result.error.message),
            http_status=result.error.http_status,
            provider_code=result.error.provider_code,
        )
    return CellView(
        cell_id=spec.cell_id,
        question=spec.question,
        question_index=spec.question_index,
        model=spec.model,
        sample=spec.sample,
        competitor=spec.competitor,
        status=result.status,
        attempts=result.attempts,
        latency_ms=result.latency_ms,
        answer=result.answer,
        reasoning=result.reasoning,
        finish_reason=result.finish_reason,
        error=error,
        usage=result.usage,
        cost=result.cost,
        currency=result.currency,
        citations=result.citations,
        surface=result.surface,
        sources=result.sources,
        spans=result.spans,
        analysis=cell.analysis,
    )


def _failure(view: CellView) -> Failure:
    # From the view, whose error message is already sanitised.
    reason = f"{view.error.error_class}: {view.error.message}" if view.error is not None else None
    return Failure(
        cell_id=view.cell_id,
        question_index=view.question_index,
        model=view.model,
        sample=view.sample,
        status=view.status,
        reason=reason or "no error detail recorded",
        attempts=view.attempts,
    )
