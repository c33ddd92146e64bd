"""Deriving a run's terminal status from its cells (never from timers or exceptions).

Why: the system this replaces reported runs with every cell failed as "completed" and runs
with results as "failed". The status is a pure function of the stored cells.
"""

from __future__ import annotations

from collections.abc import Sequence

from shared.contracts import ANSWERED, CellRecord
from shared.report.types import ReportStatus


def derive_run_status(cells: Sequence[CellRecord], *, expected: int | None = None) -> ReportStatus:
    """complete = every expected cell answered (ok/filtered/truncated); partial = some ok or
    truncated; failed = none.

    ``expected`` is the number of cells the dispatcher defined; when fewer records exist the
    run cannot be complete, whatever the stored cells say.
    """
    if not cells:
        return "failed"
    every_cell_present = expected is None or len(cells) >= expected
    if every_cell_present and all(cell.result.status in ANSWERED for cell in cells):
        return "complete"
    if any(cell.result.status in ("ok", "truncated") for cell in cells):
        return "partial"
    return "failed"
