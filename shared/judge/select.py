"""Which verdicts of a stored cell a run's judge is asked about: the unsure ones (issue #12)."""

from __future__ import annotations

from shared.brand import Brand
from shared.contracts import ANSWERED, CellRecord, DiagnosisRequest
from shared.judge.types import JUDGE_FIELDS, JudgeField


def verdicts_to_judge(request: DiagnosisRequest, cell: CellRecord) -> list[tuple[str, JudgeField]]:
    """[brand, field] pairs to ask the judge about, in request order; [] = no judge job.

    Only answered, analysed cells (a failed cell has no answer to re-read) and only brands whose
    rule verdict is unsure — both their rank and their tone, since an unsure reason (a shared
    header, a brand inside another option) can bear on either. A run of sure verdicts costs no
    judge call.
    """
    if request.judge is None or cell.result.status not in ANSWERED or cell.analysis is None:
        return []
    return [(name, field) for name, verdict in cell.analysis.brands.items()
            if verdict.mentioned and verdict.confidence == "unsure" for field in JUDGE_FIELDS]


def tracked(request: DiagnosisRequest, names: list[str]) -> list[Brand]:
    """The request's Brand entries (with aliases) for ``names``, in the given order, once each."""
    by_name = {b.name: b for b in (request.brand, *request.competitors)}
    unique = list(dict.fromkeys(names))
    return [by_name.get(name) or Brand(name=name) for name in unique]
