"""The review list of a report (issue #12): the analyser's unsure verdicts, counted per model.

An unsure verdict (``BrandAnalysis.confidence``) is one the labelling guide calls ambiguous; the
report never drops or changes it, it shows the analyst where to read. Counts are over mentioned
brands in analysed answers, in the report's model order; items in the report's cell order.
"""

from __future__ import annotations

from shared.report.types import CellView, Review, ReviewCount, ReviewItem


def build_review(cells: list[CellView], model_order: list[str]) -> Review:
    counts = {model: ReviewCount(model=model) for model in model_order}
    items: list[ReviewItem] = []
    for cell in cells:
        if cell.analysis is None:
            continue
        count = counts.setdefault(cell.model, ReviewCount(model=cell.model))
        for name, found in cell.analysis.brands.items():
            if not found.mentioned:
                continue
            count.verdicts += 1
            if found.confidence != "unsure":
                continue
            count.unsure += 1
            items.append(ReviewItem(
                cell_id=cell.cell_id, model=cell.model, question_index=cell.question_index, brand=name,
                rank=found.rank, tone=found.tone, reasons=list(found.unsure_reasons),
            ))
    return Review(by_model=list(counts.values()), items=items)
