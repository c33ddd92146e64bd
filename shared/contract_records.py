"""The records in the store: a run's authoritative state (RunRecord) and each stored cell
(CellRecord) with the cell as the dispatcher defined it (CellSpec).
"""

from __future__ import annotations

import msgspec

from shared.analysis.types import AnswerAnalysis
from shared.contract_messages import CellResult
from shared.contract_requests import DiagnosisRequest
from shared.contract_states import CONTRACT_VERSION, RunStatus, Stage


class CellSpec(msgspec.Struct, kw_only=True, array_like=False):
    """One cell of the matrix as the dispatcher defined it: the run expects exactly these."""

    cell_id: str
    question_index: int
    question: str
    model: str
    sample: int
    competitor: str | None = None


class RunRecord(msgspec.Struct, kw_only=True):
    """Authoritative run state (KV brandlens_runs, key = run_id)."""

    v: int = CONTRACT_VERSION
    run_id: str
    request: DiagnosisRequest
    total: int
    status: RunStatus = "running"
    stage: Stage = "accepted"
    created_at: float
    deadline_at: float
    finished_at: float | None = None
    reason: str | None = None
    by_status: dict[str, int] = {}
    # Headline numbers for `brandlens runs`, filled when the report is stored.
    coverage: float | None = None
    visibility: float | None = None
    cost: float | None = None
    # Judge jobs and stored judge outcomes when the run ended (issue #12; 0 and 0 without a judge).
    judge_jobs: int = 0
    judged: int = 0


class CellRecord(msgspec.Struct, kw_only=True):
    """One stored cell (KV brandlens_cells, key = <run_id>.<cell_id>), written create-only."""

    v: int = CONTRACT_VERSION
    spec: CellSpec
    result: CellResult
    analysis: AnswerAnalysis | None = None
    stored_at: float = 0.0
