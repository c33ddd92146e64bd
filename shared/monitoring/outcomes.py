"""What the alert engine reads from one run: per cell, whether each brand was mentioned and its rank.

Built from the stored cells (``brandlens_cells/<run>.<cell>``: CellRecord with the analysis per
brand), or drawn directly by the offline measurement (bench/alerts_noise.py). Per-question rates
are what the paired tests compare: samples of one question are collapsed (see paired.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import msgspec

from shared.contracts import CellRecord

# Statuses whose answer was analysed and can be judged (a truncated answer still names brands).
JUDGEABLE = ("ok", "truncated")


class CellOutcome(msgspec.Struct, kw_only=True, frozen=True):
    cell_id: str
    question: int
    model: str
    answered: bool
    # Brands (tracked, and discovered ones as mentioned) named in the answer.
    mentioned: frozenset[str] = frozenset()
    # 1-based rank of each brand among the recommended options, where it is one.
    ranks: dict[str, int] = {}


class RunOutcomes(msgspec.Struct, kw_only=True):
    run_id: str
    slot: str
    brand: str
    competitors: list[str]
    cells: list[CellOutcome]

    @property
    def coverage(self) -> float:
        return sum(c.answered for c in self.cells) / len(self.cells) if self.cells else 0.0

    @property
    def models(self) -> list[str]:
        return sorted({c.model for c in self.cells})


def outcome_of(cell: CellRecord) -> CellOutcome:
    analysis = cell.analysis
    answered = cell.result.status in JUDGEABLE and analysis is not None
    if not answered or analysis is None:
        return CellOutcome(cell_id=cell.spec.cell_id, question=cell.spec.question_index, model=cell.spec.model,
                           answered=False)
    mentioned = {name for name, b in analysis.brands.items() if b.mentioned} | set(analysis.discovered)
    ranks = {name: b.rank for name, b in analysis.brands.items() if b.rank is not None}
    for position, name in enumerate(analysis.recommended, 1):
        ranks.setdefault(name, position)
    return CellOutcome(cell_id=cell.spec.cell_id, question=cell.spec.question_index, model=cell.spec.model,
                       answered=True, mentioned=frozenset(mentioned), ranks=ranks)


def run_outcomes(run_id: str, slot: str, brand: str, competitors: list[str],
                 cells: Iterable[CellRecord]) -> RunOutcomes:
    return RunOutcomes(run_id=run_id, slot=slot, brand=brand, competitors=competitors,
                       cells=sorted((outcome_of(c) for c in cells), key=lambda c: c.cell_id))


def question_rates(run: RunOutcomes, model: str, brand: str, metric: str) -> dict[int, float]:
    """Per question: the share of answered samples where the brand is mentioned / first, or its mean rank.

    A question without an answered sample (or, for rank, without a ranked one) is absent, so it
    drops out of the pairing instead of counting as "not mentioned".
    """
    values: dict[int, list[float]] = defaultdict(list)
    for cell in run.cells:
        if cell.model != model or not cell.answered:
            continue
        if metric == "visibility":
            values[cell.question].append(1.0 if brand in cell.mentioned else 0.0)
        elif metric == "first_position_rate":
            values[cell.question].append(1.0 if cell.ranks.get(brand) == 1 else 0.0)
        elif metric == "average_rank":
            if brand in cell.ranks:
                values[cell.question].append(float(cell.ranks[brand]))
        else:
            raise ValueError(f"unknown metric {metric!r}")
    return {q: sum(v) / len(v) for q, v in values.items() if v}


def question_counts(run: RunOutcomes, model: str, brand: str, metric: str) -> dict[int, tuple[int, int]]:
    """Per question: (samples where the brand is mentioned / first, answered samples) — the 0/1 metrics."""
    counts: dict[int, tuple[int, int]] = {}
    for cell in run.cells:
        if cell.model != model or not cell.answered:
            continue
        if metric == "visibility":
            hit = brand in cell.mentioned
        elif metric == "first_position_rate":
            hit = cell.ranks.get(brand) == 1
        else:
            raise ValueError(f"{metric!r} is not a 0/1 metric")
        hits, n = counts.get(cell.question, (0, 0))
        counts[cell.question] = (hits + hit, n + 1)
    return counts
