"""A one-line live progress bar fed by the run's progress events."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from services.cli.eta import Eta, format_eta
from shared.contracts import Completed, Progress, RunEvent


class ProgressBar:
    def __init__(self, total: int, stream: TextIO = sys.stderr, width: int = 30,
                 expected_s: float | None = None, started_at: float | None = None,
                 per_model: dict[str, tuple[int, float | None]] | None = None) -> None:
        self.total = max(total, 1)
        self.eta = Eta(self.total, expected_s, time.monotonic() if started_at is None else started_at, per_model)
        self.stream = stream
        self.width = width
        self.tty = stream.isatty()
        self._last_line = ""

    def update(self, event: RunEvent) -> None:
        label: str
        if isinstance(event, Progress):
            done, total, statuses = event.done, event.total or self.total, event.by_status
            label = event.stage
        elif isinstance(event, Completed):
            done, total, statuses, label = event.done, event.total, event.by_status, event.status
        else:  # pragma: no cover - RunEvent is exhaustive
            return
        filled = int(self.width * done / max(total, 1))
        counts = " ".join(f"{k}={v}" for k, v in sorted(statuses.items()))
        if event.judge_jobs:
            # The run waits for its judge after its cells: say so, or a full bar looks stuck.
            counts = f"judge {event.judged}/{event.judge_jobs} {counts}"
        eta = "" if isinstance(event, Completed) else format_eta(
            self.eta.remaining_s(done, time.monotonic(), event.by_model))
        line = f"[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} {label} {eta} {counts}".rstrip()
        line = line.replace("  ", " ")
        if line == self._last_line:
            return
        self._last_line = line
        if self.tty:
            self.stream.write("\r\033[K" + line)
            if isinstance(event, Completed):
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
