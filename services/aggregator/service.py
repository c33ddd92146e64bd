"""Storing results, tracking runs, ending them, and answering status and report requests.

Exactly-once per cell comes from the cells bucket, not from delivery: a result is written with
a create-only put keyed by <run>.<cell>, so a redelivered or duplicated result finds the key
taken and is acked without being counted again. A run ends when every planned cell is stored
or its deadline passes; then, in this order, missing cells are stored as deadline_exceeded,
the report is stored, the run record becomes terminal, and the completion event is published.
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
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.kv import KeyValue
from nats.js.object_store import ObjectStore
from nats.micro.request import Request
from structlog.contextvars import bound_contextvars

from services.aggregator.analysis_pool import AnalysisPool, BrandSet, Item, worker_count
from services.aggregator.reanalyze import handle_reanalyze
from services.aggregator.state import RunState
from shared import subjects
from shared.analysis import analyse
from shared.analysis.types import AnswerAnalysis
from shared.bus import connect, kv_keys, put_report, wait_for_topology
from shared.config import Settings
from shared.contracts import (
    TERMINAL_RUN,
    CellRecord,
    CellResult,
    CellSpec,
    Completed,
    ErrorInfo,
    Progress,
    RunRecord,
    cell_decoder,
    encode,
    job_decoder,
    result_decoder,
    run_decoder,
)
from shared.logging import get_logger
from shared.report import Report, build_report, derive_run_status
from shared.report.formats import FORMATS, render
from shared.service import MicroService, Reject

log = get_logger("brandlens.aggregator")

FETCH_BATCH = 256
# Result batches handled at once (see _consume).
RESULT_BATCHES_IN_HAND = 3
PROGRESS_INTERVAL_S = 0.25
TICK_S = 0.25


class RunIdRequest(msgspec.Struct, kw_only=True):
    run_id: str
    format: str = "json"


_run_id_decoder = msgspec.json.Decoder(RunIdRequest)


class Aggregator:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.nc: Client | None = None
        self.js: JetStreamContext | None = None
        self.runs_kv: KeyValue | None = None
        self.cells_kv: KeyValue | None = None
        self.reports: ObjectStore | None = None
        self.micro: MicroService | None = None
        self.active: dict[str, RunState] = {}
        self._loading: dict[str, asyncio.Future[RunState | None]] = {}
        self._subs: list[Any] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()
        self.stored = 0
        self.duplicates = 0
        self.late = 0
        self.crashed_jobs = 0
        self.finished_runs = 0
        self.analysis = AnalysisPool(worker_count(settings.analysis_workers))

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        self.nc = await connect(self.settings, "brandlens-aggregator")
        self.js = self.nc.jetstream(timeout=10)
        await wait_for_topology(self.nc, self.settings)
        self.runs_kv = await self.js.key_value(subjects.RUNS_BUCKET)
        self.cells_kv = await self.js.key_value(subjects.CELLS_BUCKET)
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
            "analysis_fallbacks": self.analysis.fallbacks,
        }

    # --- runs -----------------------------------------------------------------------------

    async def _read_run(self, run_id: str) -> tuple[RunRecord, int] | None:
        assert self.runs_kv is not None
        try:
            entry = await self.runs_kv.get(run_id)
        except (nats.js.errors.KeyNotFoundError, nats.js.errors.KeyDeletedError, nats.js.errors.InvalidKeyError):
            return None
        if not entry.value:
            return None
        return run_decoder.decode(entry.value), entry.revision or 0

    async def _load_cells(self, state: RunState) -> None:
        assert self.cells_kv is not None
        # Not a KV watch: one can end before its first entries arrive, and a run whose stored
        # cells were missed here would only end at its deadline.
        for key in await kv_keys(self.cells_kv, f"{state.run_id}.>"):
            with contextlib.suppress(nats.js.errors.KeyNotFoundError, nats.js.errors.KeyDeletedError):
                entry = await self.cells_kv.get(key)
                if entry.value:
                    state.add(cell_decoder.decode(entry.value))

    async def run_state(self, run_id: str) -> RunState | None:
        """The active run's state, loading it (and its stored cells) on first sight."""
        state = self.active.get(run_id)
        if state is not None:
            return state
        loading = self._loading.get(run_id)
        if loading is not None:
            return await loading
        future: asyncio.Future[RunState | None] = asyncio.get_running_loop().create_future()
        self._loading[run_id] = future
        try:
            found = await self._read_run(run_id)
            state = None
            if found is not None and found[0].status not in TERMINAL_RUN:
                state = RunState.from_record(*found)
                await self._load_cells(state)
                self.active[run_id] = state
            future.set_result(state)
            return state
        except BaseException as exc:
            future.set_exception(exc)
            raise
        finally:
            self._loading.pop(run_id, None)

    async def _load_active_runs(self) -> None:
        assert self.runs_kv is not None
        keys = await kv_keys(self.runs_kv)
        for key in keys:
            await self.run_state(key)

    async def _watch_runs(self) -> None:
        """Learn about new runs even before their first result, so deadlines always fire."""
        assert self.runs_kv is not None
        while not self._stopping.is_set():
            try:
                watcher = await self.runs_kv.watchall(ignore_deletes=True)
                async for entry in watcher:
                    if entry is None or not entry.value or entry.key in self.active:
                        continue
                    record = run_decoder.decode(entry.value)
                    if record.status not in TERMINAL_RUN:
                        await self.run_state(entry.key)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - re-watch after a reconnect
                log.warning("runs_watch_restarting", error=type(exc).__name__)
                await asyncio.sleep(1.0)

    # --- results --------------------------------------------------------------------------

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
        analyses = await self._analyse_ahead([result for _, result in results])
        await asyncio.gather(*(self._handle_result(msg, result, analyses.get(id(result))) for msg, result in results))
        await self._finish_ready_runs()

    async def _analyse_ahead(self, results: list[CellResult]) -> dict[int, AnswerAnalysis]:
        """The batch's answers analysed on the analysis workers, keyed by id(result).

        Only answers of runs already loaded and not ending, for cells not yet stored: anything
        else is analysed (or dropped) by ``store`` as before.
        """
        brand_sets: dict[str, int] = {}
        sets: list[BrandSet] = []
        items: list[Item] = []
        ahead: list[CellResult] = []
        for result in results:
            state = self.active.get(result.run_id)
            if not result.answer or state is None or state.finalizing or result.cell_id in state.cells:
                continue
            index = brand_sets.get(result.run_id)
            if index is None:
                request = state.record.request
                index = brand_sets[result.run_id] = len(sets)
                sets.append(BrandSet(brand=request.brand, competitors=request.competitors,
                                     self_report=request.self_report))
            items.append(Item(brand_set=index, answer=result.answer))
            ahead.append(result)
        analyses = await self.analysis.analyse(sets, items)
        return {id(result): analysis for result, analysis in zip(ahead, analyses, strict=True)}

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

    async def store(self, result: CellResult, *, ending: bool = False, analysis: AnswerAnalysis | None = None) -> bool:
        """Store one cell create-only; False when it was a duplicate, late or unknown.

        Once a run is ending only the ending itself writes (``ending=True``): a result that
        arrives then is late by definition, and dropping it keeps a single writer per cell.
        """
        assert self.cells_kv is not None
        with bound_contextvars(run_id=result.run_id, cell_id=result.cell_id, model=result.model):
            state = await self.run_state(result.run_id)
            if state is None or (state.finalizing and not ending):
                self.late += 1
                log.info("late_result_dropped", status=result.status)
                return False
            spec = state.plan.get(result.cell_id)
            if spec is None or spec.model != result.model:
                log.warning("result_for_unknown_cell")
                return False
            if result.cell_id in state.cells or result.cell_id in state.storing:
                self.duplicates += 1
                return False
            state.storing.add(result.cell_id)
            try:
                return await self._write_cell(state, spec, result, analysis)
            finally:
                state.storing.discard(result.cell_id)

    async def _write_cell(self, state: RunState, spec: CellSpec, result: CellResult,
                          analysis: AnswerAnalysis | None = None) -> bool:
        """Analyse the answer (unless done ahead) and write the cell create-only (KV is the
        authority on duplicates)."""
        assert self.cells_kv is not None
        request = state.record.request
        if analysis is None and result.answer:
            analysis = analyse(result.answer, request.brand, request.competitors,
                               self_report_expected=request.self_report)
        record = CellRecord(spec=spec, result=result, analysis=analysis, stored_at=time.time())
        try:
            await self.cells_kv.create(subjects.cell_key(result.run_id, result.cell_id), encode(record))
        except nats.js.errors.KeyWrongLastSequenceError:
            # Stored before (a redelivery after a crash, or a duplicate): count what is stored.
            self.duplicates += 1
            stored = await self.cells_kv.get(subjects.cell_key(result.run_id, result.cell_id))
            if stored.value:
                state.add(cell_decoder.decode(stored.value))
            return False
        state.add(record)
        self.stored += 1
        return True

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
            await self.store(result)
            self.crashed_jobs += 1
            # A work-queue stream keeps a message that hit MaxDeliver; remove it once recorded.
            with contextlib.suppress(Exception):
                await self.js.delete_msg(subjects.JOBS_STREAM, seq)
            await msg.ack()
        await self._finish_ready_runs()

    # --- progress, deadlines, finishing ---------------------------------------------------

    async def _ticker(self) -> None:
        while True:
            await asyncio.sleep(TICK_S)
            try:
                await self._finish_ready_runs()
                await self._publish_progress()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the next tick tries again
                log.warning("tick_failed", error=type(exc).__name__)

    async def _publish_progress(self, force: str | None = None) -> None:
        assert self.js is not None
        now = time.time()
        for state in list(self.active.values()):
            if not state.dirty and force != state.run_id:
                continue
            if force != state.run_id and now - state.last_progress_at < PROGRESS_INTERVAL_S:
                continue
            state.dirty = False
            state.last_progress_at = now
            event = Progress(
                run_id=state.run_id, stage="reporting" if state.finalizing else "running", done=state.done,
                total=state.total, by_status=dict(state.by_status),
                by_model={m: dict(c) for m, c in state.by_model.items()}, at=now, cost=state.cost,
            )
            with contextlib.suppress(Exception):
                await self.js.publish(subjects.progress_subject(state.run_id), encode(event), timeout=5)

    async def _finish_ready_runs(self) -> None:
        now = time.time()
        for state in list(self.active.values()):
            if state.finalizing:
                continue
            if state.done >= state.total:
                await self.finish(state, reason=None)
            elif now >= state.record.deadline_at:
                await self.finish(state, reason=f"deadline passed with {state.total - state.done} cells outstanding")

    async def finish(self, state: RunState, reason: str | None) -> None:
        assert self.cells_kv is not None and self.reports is not None and self.js is not None
        async with state.lock:
            if state.finalizing:
                return
            state.finalizing = True
        with bound_contextvars(run_id=state.run_id):
            # Writes already under way finish first, so a cell is never written by both.
            for _ in range(3000):
                if not state.storing:
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
            report = build_report(record, cells, generated_at=finished_at)
            record.coverage, record.visibility, record.cost = headline(report)
            # 2. the report, 3. the terminal run record, 4. the announcement — in that order.
            await put_report(self.reports, state.run_id, render(report, "json"))
            await self._write_terminal(record)
            await self._publish_progress(force=state.run_id)
            await self.js.publish(
                subjects.completed_subject(state.run_id),
                encode(Completed(run_id=state.run_id, status=status, done=state.done, total=state.total,
                                 by_status=dict(state.by_status), reason=reason, at=time.time())),
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

    # --- endpoints ------------------------------------------------------------------------

    def _parse_run_request(self, request: Request) -> RunIdRequest:
        data = request.data.strip()
        if data and not data.startswith(b"{"):
            # `nats req brandlens.runs.status r2026...` sends the bare id: accept it.
            return RunIdRequest(run_id=data.decode("utf-8", "replace"))
        try:
            return _run_id_decoder.decode(data or b"{}")
        except msgspec.DecodeError as exc:
            raise Reject(400, "invalid_request", f"expected {{\"run_id\": ...}}: {exc}") from None

    async def handle_status(self, request: Request) -> bytes:
        query = self._parse_run_request(request)
        state = self.active.get(query.run_id)
        if state is not None:
            view = status_view(state.record, state.done, state.total, dict(state.by_status),
                               {m: dict(c) for m, c in state.by_model.items()},
                               "reporting" if state.finalizing else "running")
            return encode(view)
        found = await self._read_run(query.run_id)
        if found is None:
            raise Reject(404, "not_found", f"no run {query.run_id[:80]!r}")
        record = found[0]
        done = sum(record.by_status.values()) if record.status in TERMINAL_RUN else 0
        return encode(status_view(record, done, record.total, record.by_status, {}, record.stage))

    async def handle_report(self, request: Request) -> bytes:
        assert self.reports is not None and self.nc is not None
        query = self._parse_run_request(request)
        if query.format not in FORMATS:
            raise Reject(400, "invalid_request", f"format must be one of {', '.join(FORMATS)}")
        found = await self._read_run(query.run_id)
        if found is None:
            raise Reject(404, "not_found", f"no run {query.run_id[:80]!r}")
        if found[0].status not in TERMINAL_RUN:
            raise Reject(409, "not_finished", f"run {query.run_id} is still running; the report is built at the end")
        try:
            stored = await self.reports.get(query.run_id)
        except nats.js.errors.ObjectNotFoundError:
            raise Reject(404, "not_found", f"the report of run {query.run_id} has expired") from None
        body = stored.data or b""
        if query.format != "json":
            body = render(msgspec.json.decode(body, type=Report), query.format)
        if len(body) > self.nc.max_payload - 4096:
            raise Reject(413, "too_large", f"the report is {len(body)} bytes; read it from the object store: "
                         f"nats object get {subjects.REPORTS_STORE} {query.run_id}")
        return body

    async def handle_reanalyze(self, request: Request) -> bytes:
        assert self.js is not None
        return await handle_reanalyze(self.js, request.data)

    async def handle_runs(self, request: Request) -> bytes:
        assert self.runs_kv is not None
        try:
            limit = int(json.loads(request.data or b"{}").get("limit", 50))
        except (ValueError, AttributeError, TypeError):
            limit = 50
        # Run ids start with their UTC creation time, so the newest sort last.
        keys = sorted(await kv_keys(self.runs_kv), reverse=True)[: max(1, min(limit, 500))]
        found = await asyncio.gather(*(self._read_run(k) for k in keys))
        summaries = [run_summary(f[0]) for f in found if f is not None]
        return encode(summaries)


def headline(report: Report) -> tuple[float | None, float | None, float | None]:
    """Coverage, main-brand visibility and cost for the run list (null when unknown)."""
    main = next((b for b in report.brands if b.kind == "main"), None)
    visibility = main.visibility.value if main is not None else None
    # A run priced in two currencies has no single total: leave it null rather than add them.
    priced = [line for line in report.cost.total if line.amount is not None]
    cost = priced[0].amount if len(priced) == 1 else None
    return report.totals.coverage.value, visibility, cost


def status_view(
    record: RunRecord, done: int, total: int, by_status: dict[str, int], by_model: dict[str, dict[str, int]],
    stage: str,
) -> dict[str, Any]:
    return {
        "run_id": record.run_id, "status": record.status, "stage": stage, "done": done, "total": total,
        "by_status": by_status, "by_model": by_model, "created_at": record.created_at,
        "deadline_at": record.deadline_at, "finished_at": record.finished_at, "reason": record.reason,
        "brand": record.request.brand.name, "models": record.request.models,
    }


def run_summary(record: RunRecord) -> dict[str, Any]:
    return {
        "run_id": record.run_id, "status": record.status, "stage": record.stage,
        "brand": record.request.brand.name, "models": record.request.models, "total": record.total,
        "created_at": record.created_at, "finished_at": record.finished_at, "coverage": record.coverage,
        "visibility": record.visibility, "cost": record.cost, "client": record.request.client,
    }
