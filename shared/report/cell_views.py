"""A stored cell as the report shows it (``CellView``), and a failed or truncated one as a
``Failure`` line. Error messages are sanitised here, once, so every format shows the same text."""

from __future__ import annotations

from shared.contracts import CellRecord
from shared.errors import sanitize
from shared.report.types import CellError, CellView, Failure


def cell_view(cell: CellRecord) -> CellView:
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


def failure_of(view: CellView) -> Failure:
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
