"""The monitors micro endpoints (``brandlens.monitors.<verb>``): create, list, show, pause, resume,
delete, run-now and trend. Each validates its request, names the field it rejects, and answers
with the monitor's view (monitor_views.py)."""

from __future__ import annotations

import datetime as dt
import secrets
import time
from typing import Any

import msgspec
from nats.js import JetStreamContext
from nats.js.kv import KeyValue
from nats.micro.request import Request

from services.monitors.monitor_views import MonitorViews
from services.monitors.schedules import publish_schedule, remove_schedule
from services.monitors.slot_runs import SlotRuns
from services.monitors.store import MonitorRecord, update_record
from shared import subjects
from shared.bus import kv_keys
from shared.catalogue import Catalogue
from shared.config import Settings
from shared.contracts import FieldError, encode
from shared.logging import get_logger
from shared.monitoring.spec import SpecInvalid, parse_spec
from shared.monitoring.trend import build_trend, runs_to_read
from shared.service import Handler, Reject

log = get_logger("brandlens.monitors")

_id_decoder = msgspec.json.Decoder(dict[str, Any])


def new_monitor_id() -> str:
    # A subject token and KV key: generated, never user text.
    return f"m{secrets.token_hex(6)}"


class MonitorEndpoints:
    def __init__(self, settings: Settings, catalogue: Catalogue, js: JetStreamContext, monitors: KeyValue,
                 history: KeyValue, views: MonitorViews, slot_runs: SlotRuns) -> None:
        self.settings = settings
        self.catalogue = catalogue
        self.js = js
        self.monitors = monitors
        self.history = history
        self.views = views
        self.slot_runs = slot_runs

    def table(self) -> list[tuple[str, str, Handler, str, str]]:
        """(name, subject, handler, request type, response type) of each endpoint."""
        return [
            ("create", subjects.MONITORS_CREATE, self.handle_create, "MonitorSpec", "{id}"),
            ("list", subjects.MONITORS_LIST, self.handle_list, "empty", "list[Monitor]"),
            ("show", subjects.MONITORS_SHOW, self.handle_show, "{id}", "Monitor"),
            ("pause", subjects.MONITORS_PAUSE, self.handle_pause, "{id}", "Monitor"),
            ("resume", subjects.MONITORS_RESUME, self.handle_resume, "{id}", "Monitor"),
            ("delete", subjects.MONITORS_DELETE, self.handle_delete, "{id}", "{id, deleted}"),
            ("run-now", subjects.MONITORS_RUN_NOW, self.handle_run_now, "{id}", "MonitorRun"),
            ("trend", subjects.MONITORS_TREND, self.handle_trend, "{id}", "Trend"),
        ]

    async def _require(self, request: Request) -> MonitorRecord:
        try:
            body = _id_decoder.decode(request.data or b"{}")
        except msgspec.DecodeError:
            raise Reject(400, "invalid_request", "not valid JSON", [FieldError(field="$", reason="not JSON")]) from None
        monitor_id = body.get("id")
        if not isinstance(monitor_id, str):
            raise Reject(400, "invalid_request", "id is required", [FieldError(field="id", reason="required")])
        record = await self.views.get(monitor_id)
        if record is None:
            raise Reject(404, "not_found", f"no monitor {monitor_id!r}")
        return record

    async def _set_paused(self, record: MonitorRecord, paused: bool) -> MonitorRecord:
        """Compare-and-set, so an alert appended meanwhile by alerting.py stays on the record."""

        def flip(current: MonitorRecord) -> bool:
            if current.paused == paused:
                return False
            current.paused = paused
            return True

        stored = await update_record(self.monitors, record.id, flip)
        if stored is None:
            raise Reject(404, "not_found", f"no monitor {record.id!r}")
        return stored

    async def handle_create(self, request: Request) -> bytes:
        try:
            spec, _request = parse_spec(request.data, self.settings, self.catalogue)
        except SpecInvalid as exc:
            raise Reject(400, "invalid_request", str(exc), exc.fields) from None
        record = MonitorRecord(id=new_monitor_id(), spec=spec, created_at=time.time())
        await self.monitors.create(record.id, encode(record))
        try:
            await publish_schedule(self.js, record)
        except Reject:
            await self.monitors.delete(record.id)
            raise
        log.info("monitor_created", monitor=record.id)
        return encode(await self.views.view(record, with_runs=False))

    async def handle_list(self, _request: Request) -> bytes:
        records = [r for r in [await self.views.get(k) for k in await self.views.live_keys()] if r is not None]
        return encode([await self.views.view(r, with_runs=False) for r in records])

    async def handle_show(self, request: Request) -> bytes:
        return encode(await self.views.view(await self._require(request)))

    async def handle_pause(self, request: Request) -> bytes:
        record = await self._require(request)
        # Pause = no definition at all, so the server fires nothing (rather than us skipping).
        await remove_schedule(self.js, record.id)
        record = await self._set_paused(record, True)
        return encode(await self.views.view(record, with_runs=False))

    async def handle_resume(self, request: Request) -> bytes:
        record = await self._require(request)
        record = await self._set_paused(record, False)
        await publish_schedule(self.js, record)
        return encode(await self.views.view(record, with_runs=False))

    async def handle_delete(self, request: Request) -> bytes:
        record = await self._require(request)
        await remove_schedule(self.js, record.id)
        await self.monitors.delete(record.id)
        # History goes too; the runs themselves stay in brandlens_runs until their retention.
        for key in await kv_keys(self.js, subjects.MONITOR_RUNS_BUCKET, f"{record.id}.>"):
            await self.history.delete(key)
        return encode({"id": record.id, "deleted": True})

    async def handle_run_now(self, request: Request) -> bytes:
        record = await self._require(request)
        # Outside the schedule: its own request_id namespace, so it never takes a slot's place.
        run = await self.slot_runs.submit(record, dt.datetime.now(dt.UTC), "run-now", tag="now-")
        return encode(run)

    async def handle_trend(self, request: Request) -> bytes:
        record = await self._require(request)
        body = _id_decoder.decode(request.data or b"{}")
        period = body.get("period")
        if period is not None and period not in ("day", "slot"):
            raise Reject(400, "invalid_request", "period must be day or slot",
                         [FieldError(field="period", reason="must be 'day' or 'slot'")])
        # The view carries the history (statuses refreshed) and the alerts drawn as markers.
        view = await self.views.view(record)
        runs = view["runs"]
        reports = await self.views.reports(runs_to_read(runs))
        built = build_trend(runs, reports, monitor=record.id, name=record.spec.name,
                            schedule=view["schedule"], alerts=view["alerts"], period=period)
        return msgspec.json.encode(built)
