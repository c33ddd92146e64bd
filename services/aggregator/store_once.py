"""Store once: each cell written create-only, so a redelivered or duplicated result is not counted twice.

Exactly-once per cell comes from the cells bucket, not from delivery: a result is written with
a create-only put keyed by <run>.<cell>; a redelivered or duplicated result finds the key taken
and is acked without being counted again. ``state.storing`` claims a cell's single writer while
its write is under way, so overlapping batches and the run's ending never write the same cell.
"""

from __future__ import annotations

import time

import nats.errors
import nats.js.errors
from structlog.contextvars import bound_contextvars

from services.aggregator.analyse import Analyse
from services.aggregator.state import RunState
from shared import subjects
from shared.analysis import analyse
from shared.analysis.types import AnswerAnalysis
from shared.contracts import (
    CellRecord,
    CellResult,
    CellSpec,
    cell_decoder,
    encode,
)
from shared.logging import get_logger

log = get_logger("brandlens.aggregator")


class StoreOnce(Analyse):
    async def store(self, result: CellResult, *, ending: bool = False, analysis: AnswerAnalysis | None = None) -> bool:
        """Store one cell create-only; False when it was a duplicate, late or unknown.

        Once a run is ending only the ending itself writes (``ending=True``): a result that
        arrives then is late by definition, and dropping it keeps a single writer per cell.
        """
        assert self.cells_kv is not None
        with bound_contextvars(run_id=result.run_id, cell_id=result.cell_id, model=result.model):
            state = await self.run_state(result.run_id)
            if state is None or (state.finalizing and not ending):
                self.late += 1
                log.info("late_result_dropped", status=result.status)
                return False
            spec = state.plan.get(result.cell_id)
            if spec is None or spec.model != result.model:
                log.warning("result_for_unknown_cell")
                return False
            if result.cell_id in state.cells or result.cell_id in state.storing:
                self.duplicates += 1
                return False
            state.storing.add(result.cell_id)
            try:
                return await self._write_cell(state, spec, result, analysis)
            finally:
                state.storing.discard(result.cell_id)

    async def _write_cell(self, state: RunState, spec: CellSpec, result: CellResult,
                          analysis: AnswerAnalysis | None = None) -> bool:
        """Analyse the answer (unless done ahead) and write the cell create-only (KV is the
        authority on duplicates)."""
        assert self.cells_kv is not None
        request = state.record.request
        if analysis is None and result.answer:
            analysis = analyse(result.answer, request.brand, request.competitors,
                               self_report_expected=request.self_report,
                               sources=result.sources, spans=result.spans)
        record = CellRecord(spec=spec, result=result, analysis=analysis, stored_at=time.time())
        try:
            await self.cells_kv.create(subjects.cell_key(result.run_id, result.cell_id), encode(record))
        except nats.js.errors.KeyWrongLastSequenceError:
            # Stored before (a redelivery after a crash, or a duplicate): count what is stored.
            self.duplicates += 1
            stored = await self.cells_kv.get(subjects.cell_key(result.run_id, result.cell_id))
            if stored.value:
                state.add(cell_decoder.decode(stored.value))
            return False
        state.add(record)
        self.stored += 1
        return True

