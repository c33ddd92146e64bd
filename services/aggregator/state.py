"""What the aggregator holds in memory for one active run — always rebuildable from KV.

The KV buckets are the authoritative store; this is a cache that lets progress and report
building avoid re-reading thousands of cells. On restart it is rebuilt from the cells bucket,
so nothing here needs to survive a crash.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field

from shared.contracts import CellRecord, CellSpec, RunRecord
from shared.judge.select import verdicts_to_judge
from shared.judge.types import JudgeField, JudgeRecord
from shared.validation import plan_index


@dataclass
class RunState:
    record: RunRecord
    revision: int
    plan: dict[str, CellSpec]
    cells: dict[str, CellRecord] = field(default_factory=dict)
    by_status: Counter[str] = field(default_factory=Counter)
    by_model: dict[str, Counter[str]] = field(default_factory=dict)
    cost: float | None = None
    # Cells whose KV write is in progress: a duplicate arriving meanwhile is dropped, and the
    # run's ending waits for these before it fills in missing cells.
    storing: set[str] = field(default_factory=set)
    dirty: bool = True
    last_progress_at: float = 0.0
    finalizing: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # The judge (issue #12): cells to judge (cell id -> [brand, field] asked) that have no stored
    # judgement yet, those whose judge job is published (recorded in KV as JudgeAsk, reloaded on
    # restart), the stored judgements, writes under way
    # and the judge's spend. The run ends only once ``judge_pending`` is empty (or at its deadline).
    judge_pending: dict[str, list[tuple[str, JudgeField]]] = field(default_factory=dict)
    judge_sent: set[str] = field(default_factory=set)
    judgements: dict[str, JudgeRecord] = field(default_factory=dict)
    judge_storing: set[str] = field(default_factory=set)
    judge_cost: float | None = None

    @classmethod
    def from_record(cls, record: RunRecord, revision: int) -> RunState:
        return cls(record=record, revision=revision, plan=dict(plan_index(record.request)))

    @property
    def run_id(self) -> str:
        return self.record.run_id

    @property
    def done(self) -> int:
        return len(self.cells)

    @property
    def total(self) -> int:
        return len(self.plan)

    def add(self, cell: CellRecord) -> bool:
        """Count a stored cell; False when it was already counted."""
        cell_id = cell.spec.cell_id
        if cell_id in self.cells:
            return False
        self.cells[cell_id] = cell
        status = cell.result.status
        self.by_status[status] += 1
        self.by_model.setdefault(cell.spec.model, Counter())[status] += 1
        if cell.result.cost is not None:
            self.cost = (self.cost or 0.0) + cell.result.cost
        asked = verdicts_to_judge(self.record.request, cell)
        if asked and cell_id not in self.judgements:
            self.judge_pending[cell_id] = asked
        self.dirty = True
        return True

    def add_judgement(self, judgement: JudgeRecord) -> bool:
        """Count a stored judgement; False when it was already counted."""
        if judgement.cell_id in self.judgements:
            return False
        self.judgements[judgement.cell_id] = judgement
        self.judge_pending.pop(judgement.cell_id, None)
        if judgement.cost is not None:
            self.judge_cost = (self.judge_cost or 0.0) + judgement.cost
        self.dirty = True
        return True

    @property
    def spend(self) -> float | None:
        """What the run has cost so far, its judge's calls included (max_cost counts both)."""
        if self.cost is None and self.judge_cost is None:
            return None
        return (self.cost or 0.0) + (self.judge_cost or 0.0)

    def judge_out(self) -> int:
        """Judge jobs published whose outcome is not stored yet."""
        return sum(1 for cell_id in self.judge_sent if cell_id in self.judge_pending)

    def missing(self) -> list[CellSpec]:
        return [spec for cell_id, spec in self.plan.items() if cell_id not in self.cells]
