"""The per-model (``by_model``, one row per lane) and per-question (``by_question``) breakdowns.

Per-question rows count the request's (primary) surface only; per-model rows count every lane
on its own surface. Each row carries its cell counts and the brand metrics of its answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.contracts import ANSWERED, Surface
from shared.report.lanes import Lane, lane_label
from shared.report.tally import BrandTally, Observation, TrackedBrand
from shared.report.types import Breakdown, Metric

# Cells that count towards coverage: the model answered (a truncated answer is still its answer).
COVERED = frozenset({"ok", "truncated"})


@dataclass(slots=True)
class GroupCounts:
    cells: int = 0
    ok: int = 0
    # ok + truncated: cells whose answer the provider gave (truncated ones stopped at the cap).
    covered: int = 0
    answered: int = 0
    failed: int = 0

    def add(self, status: str) -> None:
        answered = status in ANSWERED
        self.cells += 1
        self.ok += status == "ok"
        self.covered += status in COVERED
        self.answered += answered
        self.failed += not answered


@dataclass(slots=True)
class Breakdowns:
    brands: list[TrackedBrand]
    primary: Surface
    # Cells ran on both surfaces: model rows are labelled "model (surface)".
    mixed: bool
    model_tallies: dict[Lane, BrandTally] = field(default_factory=dict)
    question_tallies: dict[int, BrandTally] = field(default_factory=dict)
    model_counts: dict[Lane, GroupCounts] = field(default_factory=dict)
    question_counts: dict[int, GroupCounts] = field(default_factory=dict)

    def count(self, lane: Lane, question_index: int, status: str) -> None:
        """Count one cell, whatever its status, in its lane's row (and its question's row when
        it ran on the primary surface)."""
        self.model_counts.setdefault(lane, GroupCounts()).add(status)
        if lane[1] == self.primary:
            self.question_counts.setdefault(question_index, GroupCounts()).add(status)

    def observe(self, lane: Lane, question_index: int, observation: Observation) -> None:
        """Add one analysed answer's brand observation to its rows."""
        # get() first: setdefault would build a throwaway BrandTally per answer (10^4 in a large run).
        model_tally = self.model_tallies.get(lane) or self.model_tallies.setdefault(lane, BrandTally(self.brands))
        model_tally.add(observation)
        if lane[1] == self.primary:
            question_tally = self.question_tallies.get(question_index) or self.question_tallies.setdefault(
                question_index, BrandTally(self.brands)
            )
            question_tally.add(observation)

    def model_breakdown(self, model: str, surface: Surface) -> Breakdown:
        lane = (model, surface)
        breakdown = self._breakdown(
            lane_label(model, surface, self.mixed), self.model_counts.get(lane), self.model_tallies.get(lane), None
        )
        breakdown.surface = surface
        return breakdown

    def question_breakdown(self, index: int, label: str) -> Breakdown:
        breakdown = self._breakdown(label, self.question_counts.get(index), self.question_tallies.get(index), index)
        breakdown.surface = self.primary
        return breakdown

    def _breakdown(
        self, key: str, counts: GroupCounts | None, tally: BrandTally | None, index: int | None
    ) -> Breakdown:
        counts = counts or GroupCounts()
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
