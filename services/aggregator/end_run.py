"""End run: a run ends when every planned cell is stored or its deadline passes.

Invariants (docs/architecture.md, "ending a run"); the order is what readers rely on:

1. One ending per run: ``state.finalizing`` is set under ``state.lock``; a second caller returns.
   From then on ``store`` drops ordinary results as late (only the ending writes, ``ending=True``).
2. Writes already under way (``state.storing``) finish before the ending writes anything, so a
   cell is never written by both a late result and the ending.
3. Every planned cell gets exactly one stored outcome: missing ones are stored as
   ``deadline_exceeded`` through the same create-only ``store``.
4. Then, in this order: the report is stored, the run record becomes terminal, the final
   progress event and the completion event are published. A reader who sees a terminal run
   record can therefore always read its report; a completion event always follows a terminal
   record.
5. Terminal run records are final: ``_write_terminal`` never overwrites one (e.g. a cancel).
"""

from __future__ import annotations

import asyncio
import time

import nats.errors
import nats.js.errors
from structlog.contextvars import bound_contextvars

from services.aggregator.judge import Judging
from services.aggregator.state import RunState
from shared import subjects
from shared.bus import put_report
from shared.contracts import (
    TERMINAL_RUN,
    CellResult,
    Completed,
    ErrorInfo,
    RunRecord,
    encode,
    run_decoder,
)
from shared.logging import get_logger
from shared.report import Report, build_report, derive_run_status
from shared.report.formats import render
from shared.report.judge import judge_summary

log = get_logger("brandlens.aggregator")


class EndRun(Judging):
    async def _finish_ready_runs(self) -> None:
        now = time.time()
        for state in list(self.active.values()):
            if state.finalizing:
                continue
            if state.done >= state.total and not state.judge_pending:
                await self.finish(state, reason=None)
            elif now >= state.record.deadline_at:
                outstanding = f"{state.total - state.done} cells"
                if state.judge_pending:
                    outstanding += f" and {len(state.judge_pending)} judge jobs"
                await self.finish(state, reason=f"deadline passed with {outstanding} outstanding")

    async def finish(self, state: RunState, reason: str | None) -> None:
        assert self.cells_kv is not None and self.reports is not None and self.js is not None
        async with state.lock:
            if state.finalizing:
                return
            state.finalizing = True
        with bound_contextvars(run_id=state.run_id):
            # Writes already under way finish first, so a cell is never written by both.
            for _ in range(3000):
                if not state.storing and not state.judge_storing:
                    break
                await asyncio.sleep(0.01)
            # 1. every cell the run expects gets exactly one stored outcome.
            for spec in state.missing():
                await self.store(ending=True, result=CellResult(
                    run_id=state.run_id, cell_id=spec.cell_id, model=spec.model, status="deadline_exceeded",
                    error=ErrorInfo(error_class="deadline_exceeded",
                                    message="no result before the run's deadline; the cell was cancelled"),
                    finished_at=time.time(),
                ))
            # ... and every cell the judge was to re-read gets exactly one stored judgement.
            for cell_id in list(state.judge_pending):
                await self.store_judgement(ending=True, result=CellResult(
                    run_id=state.run_id, cell_id=subjects.judge_cell_id(cell_id),
                    model=state.record.request.judge or "", status="deadline_exceeded",
                    error=ErrorInfo(error_class="deadline_exceeded",
                                    message="no judge verdict before the run's deadline"),
                    finished_at=time.time(),
                ))
            cells = [state.cells[cell_id] for cell_id in state.plan if cell_id in state.cells]
            status = derive_run_status(cells, expected=state.total)
            unasked = state.by_status.get("budget_exceeded", 0)
            if unasked:
                budget = f"max_cost {state.record.request.max_cost} reached: {unasked} cells were not asked"
                reason = f"{reason}; {budget}" if reason else budget
            finished_at = time.time()
            record = state.record
            record.status = status
            record.stage = "done"
            record.finished_at = finished_at
            record.reason = reason
            record.by_status = dict(state.by_status)
            record.judge_jobs, record.judged = len(state.judge_pending) + len(state.judgements), len(state.judgements)
            report = build_report(record, cells, generated_at=finished_at)
            if record.request.judge is not None:
                report.judge = judge_summary(record.request, cells, state.judgements)
            record.coverage, record.visibility, record.cost = headline(report)
            # 2. the report, 3. the terminal run record, 4. the announcement — in that order.
            await put_report(self.reports, state.run_id, render(report, "json"))
            await self._write_terminal(record)
            await self._publish_progress(force=state.run_id)
            await self.js.publish(
                subjects.completed_subject(state.run_id),
                encode(Completed(run_id=state.run_id, status=status, done=state.done, total=state.total,
                                 by_status=dict(state.by_status), reason=reason, at=time.time(),
                                 judge_jobs=record.judge_jobs, judged=record.judged)),
                timeout=10,
            )
            self.active.pop(state.run_id, None)
            self.finished_runs += 1
            log.info("run_finished", status=status, cells=state.total, reason=reason)

    async def _write_terminal(self, record: RunRecord) -> None:
        assert self.runs_kv is not None
        for _ in range(50):
            entry = await self.runs_kv.get(record.run_id)
            current = run_decoder.decode(entry.value or b"")
            if current.status in TERMINAL_RUN:
                return  # terminal states are final
            record.stage = "done"
            try:
                await self.runs_kv.update(record.run_id, encode(record), last=entry.revision)
                return
            except nats.js.errors.KeyWrongLastSequenceError:
                continue
        raise RuntimeError("could not write the terminal run record")


def headline(report: Report) -> tuple[float | None, float | None, float | None]:
    """Coverage, main-brand visibility and cost for the run list (null when unknown)."""
    main = next((b for b in report.brands if b.kind == "main"), None)
    visibility = main.visibility.value if main is not None else None
    # A run priced in two currencies has no single total: leave it null rather than add them.
    priced = [line for line in report.cost.total if line.amount is not None]
    cost = priced[0].amount if len(priced) == 1 else None
    # The run's cost includes its judge's calls (shown apart in the report's judge section).
    judge = report.judge.cost if report.judge is not None else None
    if cost is not None and judge is not None and judge.amount is not None:
        cost = round(cost + judge.amount, 6) if judge.currency == priced[0].currency else None
    return report.totals.coverage.value, visibility, cost


