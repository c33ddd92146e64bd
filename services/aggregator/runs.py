"""Run state: loading a run (and its stored cells) on first sight, and watching for new runs.

The first step of the flow (see services/aggregator/__init__.py): before a result can be
stored, the aggregator must know its run's plan, so runs are loaded from the runs bucket.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.kv import KeyValue
from nats.js.object_store import ObjectStore

from services.aggregator.analysis_pool import AnalysisPool, worker_count
from services.aggregator.state import RunState
from shared import subjects
from shared.bus import kv_keys
from shared.catalogue import Catalogue
from shared.config import Settings
from shared.contracts import (
    TERMINAL_RUN,
    RunRecord,
    cell_decoder,
    run_decoder,
)
from shared.judge.types import judge_ask_decoder, judge_record_decoder
from shared.logging import get_logger
from shared.service import MicroService

log = get_logger("brandlens.aggregator")


class Runs:
    def __init__(self, settings: Settings, catalogue: Catalogue | None = None) -> None:
        self.settings = settings
        # Expected cost of one judge job per catalogue model: a re-analysis's budget check for a run
        # with no priced judgement yet (rejudge.py).
        self.judge_costs: dict[str, float | None] = (
            {name: spec.estimated_judge_cost() for name, spec in catalogue.models.items()} if catalogue else {})
        self.nc: Client | None = None
        self.js: JetStreamContext | None = None
        self.runs_kv: KeyValue | None = None
        self.cells_kv: KeyValue | None = None
        self.judgements_kv: KeyValue | None = None
        self.reports: ObjectStore | None = None
        self.micro: MicroService | None = None
        self.active: dict[str, RunState] = {}
        self._loading: dict[str, asyncio.Future[RunState | None]] = {}
        self._subs: list[Any] = []
        self._tasks: list[asyncio.Task[None]] = []
        # Report rebuilds after a re-analysis's judge outcomes (late_judgements.py).
        self._rebuilding: set[asyncio.Task[None]] = set()
        self._rebuild_again: dict[str, bool] = {}
        self._stopping = asyncio.Event()
        self.stored = 0
        self.duplicates = 0
        self.late = 0
        self.crashed_jobs = 0
        self.finished_runs = 0
        self.judge_jobs = 0
        self.judgements_stored = 0
        self.judge_duplicates = 0
        self.analysis = AnalysisPool(worker_count(settings.analysis_workers))


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
        assert self.cells_kv is not None and self.js is not None
        # Not a KV watch: one can end before its first entries arrive, and a run whose stored
        # cells were missed here would only end at its deadline.
        for key in await kv_keys(self.js, subjects.CELLS_BUCKET, f"{state.run_id}.>"):
            with contextlib.suppress(nats.js.errors.KeyNotFoundError, nats.js.errors.KeyDeletedError):
                entry = await self.cells_kv.get(key)
                if entry.value:
                    state.add(cell_decoder.decode(entry.value))
        if state.record.request.judge is None or self.judgements_kv is None:
            return
        # Judgements already stored: their cells are not judged again (the others are re-sent).
        for key in await kv_keys(self.js, subjects.JUDGEMENTS_BUCKET, f"{state.run_id}.>"):
            with contextlib.suppress(nats.js.errors.KeyNotFoundError, nats.js.errors.KeyDeletedError):
                entry = await self.judgements_kv.get(key)
                if entry.value:
                    state.add_judgement(judge_record_decoder.decode(entry.value))
        # Judge jobs already published are not sent again: JetStream holds them until answered.
        for key in await kv_keys(self.js, subjects.JUDGEMENTS_BUCKET, f"{subjects.JUDGE_ASK_PREFIX}.{state.run_id}.>"):
            with contextlib.suppress(nats.js.errors.KeyNotFoundError, nats.js.errors.KeyDeletedError):
                entry = await self.judgements_kv.get(key)
                if entry.value:
                    state.judge_sent.add(judge_ask_decoder.decode(entry.value).cell_id)

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
        assert self.js is not None
        keys = await kv_keys(self.js, subjects.RUNS_BUCKET)
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

