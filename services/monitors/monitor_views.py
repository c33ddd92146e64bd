"""What the monitors service reads back: a monitor's record, its history (each run's status
refreshed from the run itself), the view the endpoints return, and the stored reports a trend
is built from. Reads only; writes are the endpoints' and the slot runs'."""

from __future__ import annotations

from typing import Any

import msgspec
import nats.js.errors
from nats.js import JetStreamContext
from nats.js.kv import KeyValue

from services.monitors.store import MonitorRecord, MonitorRun, record_decoder, run_decoder
from shared import subjects
from shared.bus import kv_keys
from shared.contracts import run_decoder as run_record_decoder


class MonitorViews:
    def __init__(self, js: JetStreamContext, monitors: KeyValue, history: KeyValue) -> None:
        self.js = js
        self.monitors = monitors
        self.history = history

    async def get(self, monitor_id: str) -> MonitorRecord | None:
        if not monitor_id or not monitor_id.isalnum():
            return None
        try:
            entry = await self.monitors.get(monitor_id)
        except (nats.js.errors.KeyNotFoundError, nats.js.errors.KeyDeletedError):
            return None
        return record_decoder.decode(entry.value) if entry.value else None

    async def live_keys(self) -> list[str]:
        try:
            return sorted(await self.monitors.keys())
        except nats.js.errors.NoKeysError:
            return []

    async def runs_of(self, monitor_id: str) -> list[MonitorRun]:
        """The monitor's history, oldest slot first, each status refreshed from the run itself."""
        runs_kv = await self.js.key_value(subjects.RUNS_BUCKET)
        runs: list[MonitorRun] = []
        for key in await kv_keys(self.js, subjects.MONITOR_RUNS_BUCKET, f"{monitor_id}.>"):
            try:
                entry = await self.history.get(key)
            except (nats.js.errors.KeyNotFoundError, nats.js.errors.KeyDeletedError):
                continue
            if not entry.value:
                continue
            run = run_decoder.decode(entry.value)
            if run.run_id:
                try:
                    live = await runs_kv.get(run.run_id)
                    run.status = run_record_decoder.decode(live.value or b"").status
                except (nats.js.errors.KeyNotFoundError, nats.js.errors.KeyDeletedError):
                    run.status = "expired"
            runs.append(run)
        return sorted(runs, key=lambda r: r.slot.removeprefix("now-"))

    async def view(self, record: MonitorRecord, with_runs: bool = True) -> dict[str, Any]:
        view: dict[str, Any] = {
            "id": record.id, "name": record.spec.name, "schedule": msgspec.to_builtins(record.spec.schedule),
            "paused": record.paused, "created_at": record.created_at, "last_slot": record.last_slot,
        }
        if with_runs:
            view["runs"] = [msgspec.to_builtins(r) for r in await self.runs_of(record.id)]
            # Raised by alerting.py when each run ended (shared.monitoring.alerts decides them).
            view["alerts"] = [msgspec.to_builtins(a) for a in record.alerts]
        return view

    async def reports(self, run_ids: list[str]) -> dict[str, Any]:
        """The stored report JSON of each run that still has one (as plain data)."""
        store = await self.js.object_store(subjects.REPORTS_STORE)
        found: dict[str, Any] = {}
        for run_id in run_ids:
            try:
                found[run_id] = msgspec.json.decode((await store.get(run_id)).data or b"null")
            except nats.js.errors.ObjectNotFoundError:
                continue
        return found
