"""Consume: results and MaxDeliver advisories fetched from their durable consumers and handed on.

Each fetched result batch is analysed ahead (analyse.py), each result stored once
(store_once.py), then runs that are complete are ended (end_run.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

import msgspec
import nats.errors
import nats.js.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from services.aggregator.end_run import EndRun
from shared import subjects
from shared.analysis.types import AnswerAnalysis
from shared.contracts import (
    CellResult,
    ErrorInfo,
    job_decoder,
    result_decoder,
)
from shared.logging import get_logger

log = get_logger("brandlens.aggregator")

FETCH_BATCH = 256
# Result batches handled at once (see _consume).
RESULT_BATCHES_IN_HAND = 3


class Consume(EndRun):
    async def _consume(self, sub: JetStreamContext.PullSubscription, handler: Any, batch: int = FETCH_BATCH,
                       overlap: int = 1) -> None:
        """Fetch batches and hand them to ``handler``, with up to ``overlap`` batches being handled.

        With more than one, the next batch is fetched and analysed while the previous one waits
        for its KV PubAcks: one batch at a time, the aggregator waited a nats-server round trip
        per batch, which under load is long, and fell behind the adapters (docs/performance.md).
        Overlapping batches are safe: a cell's writer is claimed in ``store`` (``state.storing``),
        and a run's ending waits for the writes under way.
        """
        handling: set[asyncio.Task[None]] = set()
        try:
            while not self._stopping.is_set():
                if len(handling) >= overlap:
                    await asyncio.wait(handling, return_when=asyncio.FIRST_COMPLETED)
                    continue
                try:
                    msgs = await sub.fetch(batch=batch, timeout=1.0)
                except TimeoutError:
                    continue
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # noqa: BLE001 - e.g. reconnecting: fetch again shortly
                    log.warning("fetch_failed", error=type(exc).__name__)
                    await asyncio.sleep(0.5)
                    continue
                task = asyncio.create_task(handler(msgs))
                handling.add(task)
                task.add_done_callback(handling.discard)
        finally:
            for task in handling:
                task.cancel()
            await asyncio.gather(*handling, return_exceptions=True)

    async def _handle_results(self, msgs: list[Msg]) -> None:
        results: list[tuple[Msg, CellResult]] = []
        for msg in msgs:
            try:
                results.append((msg, result_decoder.decode(msg.data)))
            except msgspec.DecodeError:
                log.error("result_undecodable", bytes=len(msg.data))
                await msg.term()
        # Judge results are verdicts about a stored cell, not answers to analyse.
        judged = [(msg, result) for msg, result in results if subjects.judged_cell(result.cell_id) is not None]
        results = [(msg, result) for msg, result in results if subjects.judged_cell(result.cell_id) is None]
        analyses = await self._analyse_ahead([result for _, result in results])
        await asyncio.gather(*(self._handle_result(msg, result, analyses.get(id(result))) for msg, result in results),
                             *(self._handle_judgement(msg, result) for msg, result in judged))
        await self._send_judge_jobs()
        await self._finish_ready_runs()

    async def _handle_result(self, msg: Msg, result: CellResult, analysis: AnswerAnalysis | None) -> None:
        try:
            await self.store(result, analysis=analysis)
        except Exception as exc:
            log.error("store_failed", run_id=result.run_id, cell_id=result.cell_id, error=type(exc).__name__,
                      exc_info=True)
            with contextlib.suppress(Exception):
                await msg.nak(delay=1.0)
            return
        await msg.ack()

    async def _handle_judgement(self, msg: Msg, result: CellResult) -> None:
        try:
            await self.store_judgement(result)
        except Exception as exc:
            log.error("judgement_store_failed", run_id=result.run_id, cell_id=result.cell_id,
                      error=type(exc).__name__, exc_info=True)
            with contextlib.suppress(Exception):
                await msg.nak(delay=1.0)
            return
        await msg.ack()

    # --- MaxDeliver advisories ------------------------------------------------------------

    async def _handle_advisories(self, msgs: list[Msg]) -> None:
        assert self.js is not None
        for msg in msgs:
            try:
                advisory = json.loads(msg.data)
                seq = int(advisory["stream_seq"])
                deliveries = int(advisory.get("deliveries", 0))
            except (ValueError, KeyError, TypeError):
                await msg.term()
                continue
            try:
                raw = await self.js.get_msg(subjects.JOBS_STREAM, seq, direct=True)
            except nats.js.errors.NotFoundError:
                await msg.ack()  # the job was handled after all and removed
                continue
            except Exception as exc:  # noqa: BLE001 - retried when the advisory is redelivered
                log.warning("advisory_job_read_failed", error=type(exc).__name__)
                await msg.nak(delay=1.0)
                continue
            try:
                job = job_decoder.decode(raw.data or b"")
            except msgspec.DecodeError:
                await msg.ack()
                continue
            result = CellResult(
                run_id=job.run_id, cell_id=job.cell_id, model=job.model, status="crashed", attempts=deliveries,
                error=ErrorInfo(error_class="crashed",
                                message=f"the job failed {deliveries} deliveries without producing a result"),
                finished_at=time.time(),
            )
            # A judge job that never produced a result is its cell's judgement (counted as failed).
            await (self.store_judgement(result) if job.purpose == "judge" else self.store(result))
            self.crashed_jobs += 1
            # A work-queue stream keeps a message that hit MaxDeliver; remove it once recorded.
            with contextlib.suppress(Exception):
                await self.js.delete_msg(subjects.JOBS_STREAM, seq)
            await msg.ack()
        await self._finish_ready_runs()

