"""The aggregator service: lifecycle (connect, consumers, endpoints, ticker) and stats.

The flow of a result is told by the modules it passes through, each a class this one
inherits: consume -> analyse -> store_once -> progress -> end_run -> endpoints (runs.py holds
the run state they all use).

Storing once is explained in store_once.py; the ordering rules of ending a run in end_run.py.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from services.aggregator.consume import RESULT_BATCHES_IN_HAND
from services.aggregator.endpoints import Endpoints
from shared import subjects
from shared.bus import connect, wait_for_topology
from shared.logging import get_logger
from shared.service import MicroService

log = get_logger("brandlens.aggregator")

TICK_S = 0.25


class Aggregator(Endpoints):
    # --- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        self.nc = await connect(self.settings, "brandlens-aggregator")
        self.js = self.nc.jetstream(timeout=10)
        await wait_for_topology(self.nc, self.settings)
        self.runs_kv = await self.js.key_value(subjects.RUNS_BUCKET)
        self.cells_kv = await self.js.key_value(subjects.CELLS_BUCKET)
        self.judgements_kv = await self.js.key_value(subjects.JUDGEMENTS_BUCKET)
        self.reports = await self.js.object_store(subjects.REPORTS_STORE)
        await self.analysis.start()
        await self._load_active_runs()
        results = await self._durable(subjects.RESULTS_STREAM, subjects.RESULTS_WILDCARD,
                                      subjects.AGGREGATOR_RESULTS_CONSUMER)
        advisories = await self._durable(subjects.ADVISORIES_STREAM, subjects.max_deliveries_advisory(),
                                         subjects.AGGREGATOR_ADVISORIES_CONSUMER)
        self._subs = [results, advisories]
        self.micro = await MicroService(
            self.nc, "brandlens-aggregator", "Stores cell results, ends runs and serves status and reports",
            metadata={"component": "aggregator"}, stats_data=self.stats,
        ).start()
        await self.micro.add_endpoint("status", subjects.STATUS, self.handle_status,
                                      request_type="RunIdRequest", response_type="RunStatusView")
        await self.micro.add_endpoint("report", subjects.REPORT, self.handle_report,
                                      request_type="RunIdRequest", response_type="Report")
        await self.micro.add_endpoint("runs", subjects.RUNS_LIST, self.handle_runs,
                                      request_type="RunsQuery", response_type="list[RunRecord]")
        await self.micro.add_endpoint("reanalyze", subjects.REANALYZE, self.handle_reanalyze,
                                      request_type="ReanalyzeRequest", response_type="ReanalysisSummary")
        self._tasks = [
            asyncio.create_task(self._consume(results, self._handle_results, overlap=RESULT_BATCHES_IN_HAND)),
            asyncio.create_task(self._consume(advisories, self._handle_advisories, batch=16)),
            asyncio.create_task(self._ticker()),
            asyncio.create_task(self._watch_runs()),
        ]
        log.info("aggregator_ready", active_runs=len(self.active))

    async def stop(self) -> None:
        self._stopping.set()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.stop_rebuilds()
        for sub in self._subs:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
        await self.analysis.stop()
        if self.micro:
            await self.micro.stop()
        if self.nc and not self.nc.is_closed:
            with contextlib.suppress(Exception):
                await self.nc.drain()

    async def _durable(self, stream: str, subject: str, name: str) -> JetStreamContext.PullSubscription:
        assert self.js is not None
        config = ConsumerConfig(
            durable_name=name, deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.EXPLICIT,
            # AckWait bounds how long a result delivered to a dead or cut-off aggregator waits to
            # come back; BRANDLENS_ACK_WAIT_S sets it (and the adapters') together.
            ack_wait=self.settings.ack_wait_s, max_ack_pending=20000, filter_subject=subject,
            # Results must never be dropped: no MaxDeliver here (storing is idempotent).
            max_deliver=-1,
        )
        return await self.js.pull_subscribe(subject, durable=name, stream=stream, config=config)

    def stats(self) -> dict[str, Any]:
        return {
            "active_runs": len(self.active), "stored_cells": self.stored, "duplicates_dropped": self.duplicates,
            "late_results_dropped": self.late, "crashed_jobs": self.crashed_jobs,
            "finished_runs": self.finished_runs, "analysis_workers": self.analysis.size,
            "analysis_fallbacks": self.analysis.fallbacks, "judge_jobs": self.judge_jobs,
            "judgements_stored": self.judgements_stored, "judge_duplicates_dropped": self.judge_duplicates,
        }


    async def _ticker(self) -> None:
        while True:
            await asyncio.sleep(TICK_S)
            try:
                await self._send_judge_jobs()
                await self._finish_ready_runs()
                await self._publish_progress()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the next tick tries again
                log.warning("tick_failed", error=type(exc).__name__)

