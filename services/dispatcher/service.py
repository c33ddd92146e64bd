"""Accepting a diagnosis: validate, record the run, publish one job per cell, reply.

Order matters for durability: the run record is written before any job, so whatever happens
next the aggregator knows what the run expects and ends it by its deadline; jobs carry
``Nats-Msg-Id = <run>.<cell>`` so re-publishing after a crash (or a client retrying with the
same request_id) never creates a second job for a cell.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
import time

import nats.js.errors
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.kv import KeyValue
from nats.micro.request import Request

from services.dispatcher.pacer import Pacer
from services.dispatcher.readiness import read_health, readiness_problem
from shared import subjects
from shared.bus import connect, kv_keys, wait_for_topology
from shared.catalogue import Catalogue
from shared.config import Settings
from shared.contracts import (
    CellSpec,
    DiagnosisRequest,
    FieldError,
    Job,
    ModelHealth,
    RunRecord,
    SubmitAccepted,
    encode,
    run_decoder,
)
from shared.estimate import deadline_reason, estimate_run, latency_listing
from shared.logging import get_logger
from shared.service import MicroService, Reject
from shared.validation import RequestInvalid, decode_request, plan_cells, validate_request

log = get_logger("brandlens.dispatcher")

def new_run_id(now: float | None = None) -> str:
    # Time-ordered so `brandlens runs` and `nats kv ls` list runs chronologically.
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime(now or time.time()))
    return f"r{stamp}{secrets.token_hex(4)}"


def request_key(request_id: str) -> str:
    # The client's idempotency key is user text: only its digest becomes a KV key.
    return hashlib.sha256(request_id.encode("utf-8")).hexdigest()[:40]


class Dispatcher:
    def __init__(self, settings: Settings, catalogue: Catalogue) -> None:
        self.settings = settings
        self.catalogue = catalogue
        self.nc: Client | None = None
        self.js: JetStreamContext | None = None
        self.runs: KeyValue | None = None
        self.requests: KeyValue | None = None
        self.health: KeyValue | None = None
        self.micro: MicroService | None = None
        self.pacer: Pacer | None = None
        self.accepted = 0
        self.rejected = 0

    async def start(self) -> None:
        self.nc = await connect(self.settings, "brandlens-dispatcher")
        self.js = self.nc.jetstream(timeout=10)
        await wait_for_topology(self.nc, self.settings)
        self.runs = await self.js.key_value(subjects.RUNS_BUCKET)
        self.requests = await self.js.key_value(subjects.REQUESTS_BUCKET)
        self.health = await self.js.key_value(subjects.HEALTH_BUCKET)
        self.pacer = Pacer(self.nc, self.js, self.catalogue, self._mark_dispatched)
        await self.pacer.start()
        await self._resume_undispatched()
        self.micro = await MicroService(
            self.nc,
            "brandlens-dispatcher",
            "Validates diagnosis requests and publishes one job per cell",
            metadata={"component": "dispatcher", "catalogue": os.path.basename(self.catalogue.source)},
            stats_data=self.stats,
        ).start()
        await self.micro.add_endpoint(
            "submit", subjects.SUBMIT, self.handle_submit,
            request_type="DiagnosisRequest", response_type="SubmitAccepted",
        )
        await self.micro.add_endpoint(
            "models", subjects.MODELS, self.handle_models,
            request_type="empty", response_type="list[ModelStatus]",
        )
        log.info("dispatcher_ready", models=len(self.catalogue.models))

    def stats(self) -> dict[str, object]:
        pacer = self.pacer
        return {
            "accepted": self.accepted, "rejected": self.rejected,
            "queued_cells": pacer.backlog if pacer else 0, "released_cells": pacer.released if pacer else 0,
            "budget_stopped_cells": pacer.over_budget if pacer else 0,
        }

    async def stop(self) -> None:
        if self.micro:
            await self.micro.stop()
        if self.pacer:
            await self.pacer.stop()
        if self.nc and not self.nc.is_closed:
            await self.nc.drain()

    # --- endpoints ------------------------------------------------------------------------

    async def _health_map(self, models: list[str]) -> dict[str, ModelHealth | None]:
        assert self.health is not None
        found = await asyncio.gather(*(read_health(self.health, m) for m in models))
        return dict(zip(models, found, strict=True))

    async def handle_submit(self, request: Request) -> bytes:
        try:
            req = decode_request(request.data, self.settings)
            # The judge (issue #12) must be ready too: its jobs go to its adapter like any cell's.
            wanted = [*req.models, *([req.judge] if req.judge is not None else [])]
            health = await self._health_map([m for m in dict.fromkeys(wanted) if self.catalogue.get(m)])
            cells = validate_request(
                req, self.settings, self.catalogue,
                lambda m: readiness_problem(self.catalogue, m, health.get(m)),
            )
            estimate = estimate_run(cells, self.catalogue, req.deadline_s, health)
            if estimate.fits is False and not req.allow_partial:
                raise RequestInvalid([FieldError(field="deadline_s", reason=deadline_reason(estimate))])
        except RequestInvalid as exc:
            self.rejected += 1
            log.info("request_rejected", fields=[f.field for f in exc.fields])
            raise Reject(400, "invalid_request", str(exc), exc.fields) from None
        accepted = await self.accept(req, cells)
        if not accepted.duplicate:
            accepted.estimate = estimate
        self.accepted += 0 if accepted.duplicate else 1
        return encode(accepted)

    async def handle_models(self, _request: Request) -> bytes:
        health = await self._health_map(self.catalogue.names())
        now = time.time()
        listing = []
        for name in self.catalogue.names():
            spec = self.catalogue.models[name]
            h = health[name]
            problem = readiness_problem(self.catalogue, name, h, now)
            listing.append({
                "model": name,
                "provider": spec.provider,
                "protocol": spec.protocol,
                "provider_model": spec.model,
                "simulated": spec.simulated,
                "ready": problem is None,
                "reason": problem,
                "state": h.state if h and problem is None else (h.state if h else "down"),
                "breaker": h.breaker if h else None,
                "in_flight": h.in_flight if h else 0,
                # The adapter's current limit (lowered by AIMD after 429s), else the catalogue's.
                "concurrency": h.concurrency if h and h.concurrency else spec.concurrency,
                # Seconds per answer the time estimates use: observed recently, else the catalogue's.
                **latency_listing(self.catalogue, name, h),
                "api_key_env": spec.api_key_env or None,
            })
        return encode(listing)

    # --- accepting a run ------------------------------------------------------------------

    async def accept(self, req: DiagnosisRequest, cells: list[CellSpec]) -> SubmitAccepted:
        assert self.runs is not None and self.requests is not None
        now = time.time()
        run_id = new_run_id(now)
        if req.request_id:
            key = request_key(req.request_id)
            try:
                await self.requests.create(key, run_id.encode())
            except nats.js.errors.KeyWrongLastSequenceError:
                existing = (await self.requests.get(key)).value
                run_id = (existing or b"").decode() or run_id
                record = await self._get_run(run_id)
                if record is not None:
                    if record.stage == "accepted" and self.pacer is not None and not self.pacer.holds(run_id):
                        # A previous dispatcher stopped before releasing every cell of this run.
                        await self._resume(record)
                    log.info("duplicate_request", run_id=run_id)
                    return SubmitAccepted(run_id=run_id, cells=record.total, duplicate=True, status=record.status)
        record = RunRecord(
            run_id=run_id, request=req, total=len(cells), created_at=now, deadline_at=now + req.deadline_s,
        )
        try:
            await self.runs.create(run_id, encode(record))
        except nats.js.errors.KeyWrongLastSequenceError:
            existing_record = await self._get_run(run_id)
            assert existing_record is not None
            return SubmitAccepted(run_id=run_id, cells=existing_record.total, duplicate=True,
                                  status=existing_record.status)
        await self._dispatch(record, cells)
        log.info("run_accepted", run_id=run_id, cells=len(cells), models=req.models)
        return SubmitAccepted(run_id=run_id, cells=len(cells))

    async def _get_run(self, run_id: str) -> RunRecord | None:
        assert self.runs is not None
        try:
            entry = await self.runs.get(run_id)
        except (nats.js.errors.KeyNotFoundError, nats.js.errors.KeyDeletedError):
            return None
        return run_decoder.decode(entry.value) if entry.value else None

    async def _dispatch(self, record: RunRecord, cells: list[CellSpec]) -> None:
        """Hand the run's cells to the pacer, which publishes them as capacity frees up."""
        assert self.pacer is not None
        req = record.request
        competitors = [c.name for c in req.competitors]
        jobs = [
            Job(
                run_id=record.run_id, cell_id=cell.cell_id, model=cell.model, question=cell.question,
                sample=cell.sample, deadline_at=record.deadline_at, self_report=req.self_report,
                brand=req.brand.name, competitors=competitors, search=req.search,
            )
            for cell in cells
        ]
        self.pacer.enqueue(record.run_id, jobs, req.max_cost)
        if not jobs:
            await self._mark_dispatched(record.run_id)

    async def _mark_dispatched(self, run_id: str) -> None:
        assert self.runs is not None
        # The aggregator may already be writing this record (fast cells): retry on conflict.
        for _ in range(20):
            entry = await self.runs.get(run_id)
            record = run_decoder.decode(entry.value or b"")
            if record.stage != "accepted":
                return
            record.stage = "dispatched" if record.status == "running" else record.stage
            try:
                await self.runs.update(run_id, encode(record), last=entry.revision)
                return
            except nats.js.errors.KeyWrongLastSequenceError:
                continue

    async def _resume_undispatched(self) -> None:
        """Re-enqueue the unstored cells of runs a previous dispatcher had not fully released."""
        assert self.js is not None
        keys = await kv_keys(self.js, subjects.RUNS_BUCKET)
        for key in keys:
            record = await self._get_run(key)
            if record is not None and record.stage == "accepted" and record.status == "running":
                await self._resume(record)

    async def _resume(self, record: RunRecord) -> None:
        assert self.js is not None
        stored = {k.split(".", 1)[1] for k in await kv_keys(self.js, subjects.CELLS_BUCKET, f"{record.run_id}.>")}
        cells = [c for c in plan_cells(record.request) if c.cell_id not in stored]
        log.info("resuming_dispatch", run_id=record.run_id, cells=len(cells))
        await self._dispatch(record, cells)
