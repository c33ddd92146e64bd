"""Judge: a judge job for each stored cell with unsure verdicts, each outcome stored once.

The aggregator owns a run's progress, so it owns the judge step too (issue #12): once a cell is
stored with unsure verdicts and the request names a ``judge``, a judge job for it goes out as an
ordinary job on the judge model's subject — the same adapter, retries, breaker and cost
accounting as any cell. The job's cell id is ``<cell>:judge``, so its ``Nats-Msg-Id`` and its
result's are ``<run>.<cell>:judge``: re-publishing it (after a restart every pending cell's job
is sent again) is deduplicated by the stream like a cell's own job.

Exactly once, as for cells: the outcome is written create-only to
``brandlens_judgements/<run>.<cell>``; a redelivered or duplicated judge result finds the key
taken and is dropped. A failed judge job is stored with its status (reported, never fatal). A
run ends only when no judged cell is pending, or at its deadline, when each pending one is
stored as ``deadline_exceeded``. Spend counts against ``max_cost`` like a cell's: once the run
has spent its budget, a judge job not yet sent is stored as ``budget_exceeded`` instead.

Paced: at most JUDGE_IN_FLIGHT judge jobs of a run are out (published, no outcome stored) at
once. Why: spend is known only from outcomes, so a run that sent every judge job at once could
overshoot ``max_cost`` by all of them; with the window it overshoots by at most that many calls,
and a judge that is also one of the run's answering models keeps serving the run's cells.

Each published job is recorded create-only (``asked.<run>.<cell>``, shared/judge/types.py
JudgeAsk) and reloaded after a restart, so a job already in the stream is not sent again — the
stream's duplicate window alone would not cover a long restart. The record follows the publish:
an aggregator stopped between the two sends that job once more after its restart (its outcome
is then stored once, like any duplicate).
Judgements for a finished run belong to a re-analysis (rejudge.py).
"""

from __future__ import annotations

import time

import nats.errors
import nats.js.errors
from structlog.contextvars import bound_contextvars

from services.aggregator.late_judgements import LateJudgements
from services.aggregator.state import RunState
from shared import subjects
from shared.analysis import ANALYSER_VERSION
from shared.contracts import CellResult, ErrorInfo, Job, encode
from shared.judge.jobs import judge_ask, judge_job, msg_id
from shared.judge.select import tracked
from shared.judge.types import JudgeAsk, judge_record_decoder
from shared.judge.verdict import judge_record
from shared.logging import get_logger

log = get_logger("brandlens.aggregator")

# Judge jobs of one run out at once (published, no outcome stored): see the module docstring.
JUDGE_IN_FLIGHT = 8


class Judging(LateJudgements):
    def judge_job(self, state: RunState, cell_id: str) -> Job:
        return judge_job(state.run_id, state.record.request, state.cells[cell_id], state.judge_pending[cell_id],
                         state.record.deadline_at)

    def _over_budget(self, state: RunState) -> bool:
        budget = state.record.request.max_cost
        return budget is not None and (state.spend or 0.0) >= budget

    async def _send_judge_jobs(self) -> None:
        """Publish the judge jobs of pending cells not yet sent, JUDGE_IN_FLIGHT per run at most
        (the ticker retries failures and sends the next ones as outcomes are stored)."""
        assert self.js is not None
        for state in list(self.active.values()):
            if state.finalizing or state.record.request.judge is None:
                continue
            for cell_id in list(state.judge_pending):
                if state.finalizing:
                    break  # the run began ending during an await below: no more judge calls
                if cell_id in state.judge_sent or cell_id not in state.judge_pending:
                    continue
                if self._over_budget(state):
                    await self.store_judgement(self._unsent(state, cell_id))
                    continue
                if state.judge_out() >= JUDGE_IN_FLIGHT:
                    break
                job = self.judge_job(state, cell_id)
                # Read before the await: the judgement may be stored (and the entry gone) by then.
                asked = state.judge_pending[cell_id]
                # Claimed before the await: the ticker and a result batch may both be sending.
                state.judge_sent.add(cell_id)
                try:
                    await self.js.publish(subjects.job_subject(job.model), encode(job), timeout=5,
                                          headers={"Nats-Msg-Id": msg_id(job)})
                except (nats.errors.Error, nats.js.errors.Error, TimeoutError) as exc:
                    state.judge_sent.discard(cell_id)
                    log.warning("judge_job_publish_failed", run_id=state.run_id, cell_id=cell_id,
                                error=type(exc).__name__)
                    return
                self.judge_jobs += 1
                await self._record_ask(judge_ask(job, asked, "run", ANALYSER_VERSION))

    async def _record_ask(self, ask: JudgeAsk) -> None:
        """Record a published judge job; a failure only risks one duplicate judge call after a
        restart (whose outcome store_judgement drops), so it is logged, not retried."""
        assert self.judgements_kv is not None
        try:
            await self.judgements_kv.create(subjects.judge_ask_key(ask.run_id, ask.cell_id), encode(ask))
        except nats.js.errors.KeyWrongLastSequenceError:
            pass  # recorded already (a re-send after a restart that had recorded it)
        except (nats.errors.Error, nats.js.errors.Error, TimeoutError) as exc:
            log.warning("judge_ask_record_failed", run_id=ask.run_id, cell_id=ask.cell_id, error=type(exc).__name__)

    def _unsent(self, state: RunState, cell_id: str) -> CellResult:
        budget = state.record.request.max_cost
        return CellResult(
            run_id=state.run_id, cell_id=subjects.judge_cell_id(cell_id), model=state.record.request.judge or "",
            status="budget_exceeded", finished_at=time.time(),
            error=ErrorInfo(error_class="budget_exceeded",
                            message=f"not asked: the run reached its max_cost of {budget}"),
        )

    async def store_judgement(self, result: CellResult, *, ending: bool = False) -> bool:
        """Store one judge outcome create-only; False when it was a duplicate, late or unknown."""
        assert self.judgements_kv is not None
        cell_id = subjects.judged_cell(result.cell_id)
        assert cell_id is not None
        with bound_contextvars(run_id=result.run_id, cell_id=cell_id, judge=result.model):
            state = await self.run_state(result.run_id)
            # A finished run (or one ending now, its record already terminal) may have judge jobs
            # out from a re-analysis.
            late = state is None or (state.finalizing and not ending)
            if late and await self.store_reanalysis_judgement(result):
                return True
            if state is None or (state.finalizing and not ending):
                self.late += 1
                log.info("late_judgement_dropped", status=result.status)
                return False
            request = state.record.request
            cell = state.cells.get(cell_id)
            if cell is None or request.judge is None or result.model != request.judge:
                log.warning("judgement_for_unknown_cell")
                return False
            if cell_id in state.judgements or cell_id in state.judge_storing:
                self.judge_duplicates += 1
                return False
            asked = state.judge_pending.get(cell_id)
            if asked is None:
                log.warning("judgement_not_asked")
                return False
            brands = tracked(request, [brand for brand, _field in asked])
            record = judge_record(result, cell, request.judge, asked, brands)
            key = subjects.cell_key(result.run_id, cell_id)
            state.judge_storing.add(cell_id)
            try:
                await self.judgements_kv.create(key, encode(record))
            except nats.js.errors.KeyWrongLastSequenceError:
                self.judge_duplicates += 1
                stored = await self.judgements_kv.get(key)
                if stored.value:
                    state.add_judgement(judge_record_decoder.decode(stored.value))
                return False
            finally:
                state.judge_storing.discard(cell_id)
            state.add_judgement(record)
            self.judgements_stored += 1
            log.info("judgement_stored", status=record.status, accepted=len(record.verdicts),
                     discarded=len(record.discarded))
            return True
