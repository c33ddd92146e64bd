"""Report endpoints: status, report, runs and reanalyze requests over nats.micro."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import msgspec
import nats.errors
import nats.js.errors
from nats.micro.request import Request

from services.aggregator.consume import Consume
from services.aggregator.reanalyze import handle_reanalyze
from shared import subjects
from shared.bus import kv_keys
from shared.contracts import (
    TERMINAL_RUN,
    RunRecord,
    encode,
)
from shared.logging import get_logger
from shared.report import Report
from shared.report.formats import FORMATS, render
from shared.service import Reject

log = get_logger("brandlens.aggregator")


class RunIdRequest(msgspec.Struct, kw_only=True):
    run_id: str
    format: str = "json"


_run_id_decoder = msgspec.json.Decoder(RunIdRequest)



class Endpoints(Consume):
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
                               "reporting" if state.finalizing else "running",
                               judge=(len(state.judge_pending) + len(state.judgements), len(state.judgements)))
            return encode(view)
        found = await self._read_run(query.run_id)
        if found is None:
            raise Reject(404, "not_found", f"no run {query.run_id[:80]!r}")
        record = found[0]
        done = sum(record.by_status.values()) if record.status in TERMINAL_RUN else 0
        return encode(status_view(record, done, record.total, record.by_status, {}, record.stage,
                                  judge=(record.judge_jobs, record.judged)))

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
        return await handle_reanalyze(self.js, request.data, self.analysis, self.judge_costs)

    async def handle_runs(self, request: Request) -> bytes:
        assert self.js is not None
        try:
            limit = int(json.loads(request.data or b"{}").get("limit", 50))
        except (ValueError, AttributeError, TypeError):
            limit = 50
        # Run ids start with their UTC creation time, so the newest sort last.
        keys = sorted(await kv_keys(self.js, subjects.RUNS_BUCKET), reverse=True)[: max(1, min(limit, 500))]
        found = await asyncio.gather(*(self._read_run(k) for k in keys))
        summaries = [run_summary(f[0]) for f in found if f is not None]
        return encode(summaries)



def status_view(
    record: RunRecord, done: int, total: int, by_status: dict[str, int], by_model: dict[str, dict[str, int]],
    stage: str, judge: tuple[int, int] = (0, 0),
) -> dict[str, Any]:
    """The status reply; ``judge``: the run's judge jobs and those with a stored outcome."""
    return {
        "run_id": record.run_id, "status": record.status, "stage": stage, "done": done, "total": total,
        "by_status": by_status, "by_model": by_model, "created_at": record.created_at,
        "deadline_at": record.deadline_at, "finished_at": record.finished_at, "reason": record.reason,
        "brand": record.request.brand.name, "models": record.request.models,
        "judge": record.request.judge, "judge_jobs": judge[0], "judged": judge[1],
    }


def run_summary(record: RunRecord) -> dict[str, Any]:
    return {
        "run_id": record.run_id, "status": record.status, "stage": record.stage,
        "brand": record.request.brand.name, "models": record.request.models, "total": record.total,
        "created_at": record.created_at, "finished_at": record.finished_at, "coverage": record.coverage,
        "visibility": record.visibility, "cost": record.cost, "client": record.request.client,
    }

