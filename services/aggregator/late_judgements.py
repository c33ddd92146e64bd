"""Judge outcomes for a finished run: those of the judge jobs a re-analysis sent (rejudge.py).

A live run's judge outcomes are stored against its in-memory state (judge.py); a finished run
has none, so an outcome for it is kept only when its job was a re-analysis's (its JudgeAsk says
``by="reanalysis"``) — anything else is late and dropped, as before. The outcome is checked
against the answer as the current analyser reads it (the re-analysis's rules, not the stored
cell's), stored create-only under the same key as a live judgement, and once no judge job of the
run is pending the run is re-analysed once more (once per burst of outcomes): that stores a
report with the verdicts beside the rules and, priced now by real judgements, sends the next
answers' judge jobs while the run's max_cost allows (rejudge.py) — so a budget is worked
through in steps. The rebuild lives in memory: an aggregator stopped before it ran leaves the
report saying "pending" until the next re-analysis of the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import msgspec
import nats.js.errors

from services.aggregator.progress import ProgressPublisher
from services.aggregator.reanalyze import analyse_answers, reanalyse
from services.aggregator.rejudge import EXPIRED_AFTER_S
from shared import subjects
from shared.bus import kv_keys
from shared.contracts import TERMINAL_RUN, CellResult, cell_decoder, encode
from shared.judge.select import tracked
from shared.judge.types import judge_ask_decoder
from shared.judge.verdict import judge_record
from shared.logging import get_logger

log = get_logger("brandlens.aggregator")


class LateJudgements(ProgressPublisher):
    _rebuilding: set[asyncio.Task[None]]
    # Runs with a rebuild queued or running -> whether another one was asked for meanwhile.
    _rebuild_again: dict[str, bool]

    async def store_reanalysis_judgement(self, result: CellResult) -> bool:
        """Store the outcome of a re-analysis's judge job; False when it is no such outcome (late)."""
        assert self.judgements_kv is not None and self.cells_kv is not None and self.js is not None
        cell_id = subjects.judged_cell(result.cell_id)
        assert cell_id is not None
        try:
            entry = await self.judgements_kv.get(subjects.judge_ask_key(result.run_id, cell_id))
        except (nats.js.errors.KeyNotFoundError, nats.js.errors.KeyDeletedError, nats.js.errors.InvalidKeyError):
            return False
        ask = judge_ask_decoder.decode(entry.value or b"")
        found = await self._read_run(result.run_id)
        if ask.by != "reanalysis" or ask.judge != result.model or found is None or found[0].status not in TERMINAL_RUN:
            return False
        request = found[0].request
        try:
            stored = await self.cells_kv.get(subjects.cell_key(result.run_id, cell_id))
        except (nats.js.errors.KeyNotFoundError, nats.js.errors.KeyDeletedError):
            return False
        cell = cell_decoder.decode(stored.value or b"")
        (current,) = analyse_answers([cell.result], request.brand, request.competitors, request.self_report)
        cell = msgspec.structs.replace(cell, analysis=current)
        record = judge_record(result, cell, ask.judge, ask.asked, tracked(request, [b for b, _ in ask.asked]))
        try:
            await self.judgements_kv.create(subjects.cell_key(result.run_id, cell_id), encode(record))
        except nats.js.errors.KeyWrongLastSequenceError:
            # Stored already — perhaps by this handler before a failure made it retry: the
            # rebuild check below may not have run yet, so it runs here too.
            self.judge_duplicates += 1
            await self._rebuild_when_judged(found[0].run_id)
            return True
        self.judgements_stored += 1
        log.info("reanalysis_judgement_stored", status=record.status, accepted=len(record.verdicts))
        await self._rebuild_when_judged(found[0].run_id)
        return True

    async def _rebuild_when_judged(self, run_id: str) -> None:
        """Rebuild the report once no judge job of the run is pending.

        Key names only (two listings), then a read of the asks still without a judgement until
        one is found pending: storing each of a thousand outcomes must not read a thousand records.
        A claim given back (deleted) or a job past its time is not pending.
        """
        assert self.js is not None and self.judgements_kv is not None
        asked_prefix = f"{subjects.JUDGE_ASK_PREFIX}.{run_id}."
        asked = {key.removeprefix(asked_prefix)
                 for key in await kv_keys(self.js, subjects.JUDGEMENTS_BUCKET, asked_prefix + ">")}
        judged = {key.removeprefix(f"{run_id}.")
                  for key in await kv_keys(self.js, subjects.JUDGEMENTS_BUCKET, f"{run_id}.>")}
        now = time.time()
        for cell_id in sorted(asked - judged):
            try:
                entry = await self.judgements_kv.get(asked_prefix + cell_id)
            except (nats.js.errors.KeyNotFoundError, nats.js.errors.KeyDeletedError):
                continue
            if entry.value and now - judge_ask_decoder.decode(entry.value).sent_at < EXPIRED_AFTER_S:
                return
        if run_id in self._rebuild_again:
            # A rebuild of this run is queued or running: one more after it, not one per outcome
            # (a batch's last outcomes are stored at once and would each start one).
            self._rebuild_again[run_id] = True
            return
        self._rebuild_again[run_id] = False
        task = asyncio.create_task(self._rebuild(run_id))
        self._rebuilding.add(task)
        task.add_done_callback(self._rebuilding.discard)

    async def _rebuild(self, run_id: str) -> None:
        assert self.js is not None
        try:
            while True:
                try:
                    await reanalyse(self.js, run_id, self.analysis, self.judge_costs)
                except Exception as exc:  # noqa: BLE001 - the report with pending jobs stays; a re-analysis rebuilds it
                    log.warning("rejudged_report_not_rebuilt", run_id=run_id, error=type(exc).__name__)
                if not self._rebuild_again.get(run_id):
                    return
                self._rebuild_again[run_id] = False
        finally:
            self._rebuild_again.pop(run_id, None)

    async def stop_rebuilds(self) -> None:
        for task in list(self._rebuilding):
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*self._rebuilding, return_exceptions=True)
