"""The one CellResult a cell ends in: its fields per outcome (answer, truncation, failure,
latch), its price, and the count of results by status.

Separate from the caller so the retry loop reads as decisions only; every result it returns is
built and counted here, in one place.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from services.adapter.cell_progress import CellProgress
from services.adapter.latch import Latch
from shared.catalogue import ModelSpec
from shared.contracts import CellResult, CellStatus, ErrorInfo, Usage
from shared.errors import CellError, to_error_info
from shared.providers import Completion


@dataclass
class CallerStats:
    http_calls: int = 0
    by_status: dict[str, int] = field(default_factory=dict)


class CellResults:
    """Builds one model's CellResults for one adapter and counts them in ``stats.by_status``."""

    def __init__(self, spec: ModelSpec, adapter_id: str, stats: CallerStats) -> None:
        self.spec = spec
        self.adapter_id = adapter_id
        self.stats = stats

    def answered(self, cell: CellProgress, completion: Completion, latency_ms: int) -> CellResult:
        cost, currency = self.cost(completion.usage)
        error = None
        if completion.truncated:
            # Not retried: the same budget would stop at the same place and be paid twice.
            spent = "the whole output budget went to reasoning" if not completion.text.strip() else \
                "the answer is cut off"
            error = ErrorInfo(error_class="Truncated", provider_code=completion.finish_reason, message=(
                f"stopped at the output-token cap (finish_reason={completion.finish_reason}, "
                f"max_tokens={self.spec.output_cap}): {spent}"))
        return self.result(
            cell, "truncated" if completion.truncated else "ok", answer=completion.text, error=error,
            reasoning=completion.reasoning,
            finish_reason=completion.finish_reason, usage=completion.usage, cost=cost, currency=currency,
            citations=completion.citations, provider_request_id=completion.provider_request_id,
            surface="api+search" if cell.job.search else "api",
            sources=completion.sources, spans=completion.spans,
            latency_ms=latency_ms,
        )

    def failure(self, cell: CellProgress, error: CellError) -> CellResult:
        return self.result(cell, error.cell_status, error=to_error_info(error),
                           latency_ms=int((time.time() - cell.started) * 1000))

    def latched(self, cell: CellProgress, latch: Latch) -> CellResult:
        assert latch.status is not None
        return self.result(cell, latch.status, error=latch.error)

    def result(self, cell: CellProgress, status: CellStatus, **fields: object) -> CellResult:
        self.stats.by_status[status] = self.stats.by_status.get(status, 0) + 1
        job = cell.job
        return CellResult(
            run_id=job.run_id, cell_id=job.cell_id, model=job.model, status=status,
            attempts=cell.attempts, adapter_id=self.adapter_id, started_at=cell.started,
            finished_at=time.time(), **fields,  # type: ignore[arg-type]  # per-status optional fields
        )

    def cost(self, usage: Usage) -> tuple[float | None, str | None]:
        """(cost, currency) of ``usage`` at the catalogue's list price; (None, None) when unknown.

        The clients normalise usage (shared.contracts.Usage): reasoning is inside output_tokens
        and priced by Price.cost, cached input at its own price.
        """
        price = self.spec.price
        cost = price.cost(usage) if price is not None else None
        if price is None or cost is None:
            return None, None
        return cost, price.currency
