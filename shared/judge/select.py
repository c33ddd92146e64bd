"""Which cells a run's judge re-reads, and which brands of each (``judge_scope``)."""

from __future__ import annotations

from shared.brand import Brand
from shared.contracts import ANSWERED, CellRecord, DiagnosisRequest


def brands_to_judge(request: DiagnosisRequest, cell: CellRecord) -> list[str]:
    """The tracked brands (canonical names, request order) the judge is asked about; [] = none.

    Only answered, analysed cells: a failed cell has no answer to re-read. With scope "unsure"
    only the verdicts the analyser marked unsure, so a run of sure verdicts costs no judge call.
    """
    if request.judge is None or cell.result.status not in ANSWERED or cell.analysis is None:
        return []
    brands = cell.analysis.brands
    if request.judge_scope == "all":
        return list(brands)
    return [name for name, verdict in brands.items() if verdict.confidence == "unsure"]


def tracked(request: DiagnosisRequest, names: list[str]) -> list[Brand]:
    """The request's Brand entries (with aliases) for ``names``, in the given order."""
    by_name = {b.name: b for b in (request.brand, *request.competitors)}
    return [by_name.get(name) or Brand(name=name) for name in names]
