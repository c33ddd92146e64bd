"""The question × model matrix: the main brand's visibility and average rank per
(question, lane), from the per-sample observations ``SampleGroups`` keeps.

The same samples feed the stability figures (shared/report/stability.py).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from shared.contracts import Surface
from shared.report.lanes import lane_label
from shared.report.stats import mean, proportion
from shared.report.tally import NO_ANSWERS
from shared.report.types import MatrixCell

# (question_index, model, surface)
GroupKey = tuple[int, str, Surface]
# The main brand in one analysed sample: (mentioned, rank).
Sample = tuple[bool, int | None]


@dataclass(slots=True)
class SampleGroups:
    """Per question × lane: how many cells ran, and the main brand in each analysed sample."""

    samples: dict[GroupKey, list[Sample]] = field(default_factory=dict)
    cells: Counter[GroupKey] = field(default_factory=Counter)

    def count(self, key: GroupKey) -> None:
        self.cells[key] += 1
        self.samples.setdefault(key, [])

    def add(self, key: GroupKey, mentioned: bool, rank: int | None) -> None:
        self.samples.setdefault(key, []).append((mentioned, rank))

    def of(self, key: GroupKey) -> list[Sample]:
        return self.samples.get(key, [])


def matrix_cell(groups: SampleGroups, index: int, question: str, model: str, surface: Surface,
                mixed: bool) -> MatrixCell:
    key = (index, model, surface)
    samples = groups.of(key)
    ranks = [rank for _, rank in samples if rank is not None]
    empty = NO_ANSWERS if samples else "no analysed answer for this question and model"
    return MatrixCell(
        question_index=index,
        question=question,
        model=lane_label(model, surface, mixed),
        surface=surface,
        cells=groups.cells.get(key, 0),
        analysed=len(samples),
        visibility=proportion(sum(1 for mentioned, _ in samples if mentioned), len(samples), empty),
        avg_rank=mean(sum(ranks), len(ranks), "never a ranked option here" if samples else empty),
    )
