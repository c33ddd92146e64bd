"""Where one cell is in the caller's retry loop, and which error that makes when the run's
deadline cuts it there."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from shared.contracts import Job
from shared.errors import CellError, CircuitOpen, DeadlineExceeded

Phase = Literal["breaker", "queue", "http", "backoff"]


@dataclass
class CellProgress:
    """One cell's progress through the retry loop."""

    job: Job
    started: float
    attempts: int = 0
    phase: Phase = "queue"
    last_error: CellError | None = None
    retries_by_class: dict[type[CellError], int] = field(default_factory=dict)


def deadline_error(cell: CellProgress) -> CellError:
    """What the deadline interrupted: the cell's error when the run's time ran out mid-loop."""
    if cell.phase == "breaker":
        return CircuitOpen("the model's circuit breaker stayed open until the run's deadline")
    if cell.phase == "http":
        return DeadlineExceeded(f"the run's deadline cancelled HTTP attempt {cell.attempts}")
    if cell.last_error is not None:
        return cell.last_error  # the deadline cut the retry wait: the failure is what happened
    return DeadlineExceeded("the run's deadline passed while waiting for a concurrency or rate slot")
