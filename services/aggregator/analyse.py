"""Analyse: a batch's answers analysed on the analysis worker processes ahead of storing."""

from __future__ import annotations

from services.aggregator.analysis_pool import BrandSet, Item
from services.aggregator.runs import Runs
from shared.analysis.types import AnswerAnalysis
from shared.contracts import (
    CellResult,
)
from shared.logging import get_logger

log = get_logger("brandlens.aggregator")


class Analyse(Runs):
    async def _analyse_ahead(self, results: list[CellResult]) -> dict[int, AnswerAnalysis]:
        """The batch's answers analysed on the analysis workers, keyed by id(result).

        Only answers of runs already loaded and not ending, for cells not yet stored: anything
        else is analysed (or dropped) by ``store`` as before.
        """
        brand_sets: dict[str, int] = {}
        sets: list[BrandSet] = []
        items: list[Item] = []
        ahead: list[CellResult] = []
        for result in results:
            state = self.active.get(result.run_id)
            if not result.answer or state is None or state.finalizing or result.cell_id in state.cells:
                continue
            index = brand_sets.get(result.run_id)
            if index is None:
                request = state.record.request
                index = brand_sets[result.run_id] = len(sets)
                sets.append(BrandSet(brand=request.brand, competitors=request.competitors,
                                     self_report=request.self_report))
            items.append(Item(brand_set=index, answer=result.answer, sources=result.sources, spans=result.spans))
            ahead.append(result)
        analyses = await self.analysis.analyse(sets, items)
        return {id(result): analysis for result, analysis in zip(ahead, analyses, strict=True)}

