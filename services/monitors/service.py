"""The monitors micro service: monitors as data, scheduled by nats-server, each slot run once.

Why a service of its own (not inside the dispatcher): it holds no run state, can be replicated
freely and restarted independently; it turns fired schedule messages into ordinary submits, so
the dispatcher's request_id idempotency (create-only KV key per request_id) is what makes a slot
run once: ``request_id = <monitor>.<slot>``, whichever replica, redelivery or catch-up fire sends
it. No timers here: nats-server fires the schedules (ADR-51); this service only consumes them.

This module is the process's lifecycle: connect, wire the parts, start and stop them. The parts:
slot_runs.py (fired schedule → one slot's submit), endpoints.py (the micro endpoints),
schedules.py (the definitions nats-server fires), monitor_views.py (what is read back),
alerting.py (each ended run judged), submit.py (the submit on the bus).
"""

from __future__ import annotations

import asyncio

from nats.aio.client import Client
from nats.js.api import AckPolicy, ConsumerConfig

from services.monitors.alerting import Alerting
from services.monitors.endpoints import MonitorEndpoints
from services.monitors.monitor_views import MonitorViews
from services.monitors.pull import pull_forever
from services.monitors.slot_runs import RETRY_DELAY_S, SlotRuns
from services.monitors.store import ensure_monitor_topology
from shared import subjects
from shared.bus import connect, wait_for_topology
from shared.catalogue import Catalogue
from shared.config import Settings
from shared.logging import get_logger
from shared.service import MicroService

log = get_logger("brandlens.monitors")


class Monitors:
    def __init__(self, settings: Settings, catalogue: Catalogue) -> None:
        self.settings = settings
        self.catalogue = catalogue
        self.nc: Client | None = None
        self.micro: MicroService | None = None
        self._consume: asyncio.Task[None] | None = None
        self.alerting: Alerting | None = None
        self.slot_runs: SlotRuns | None = None

    async def start(self) -> None:
        self.nc = await connect(self.settings, "brandlens-monitors")
        js = self.nc.jetstream(timeout=10)
        await wait_for_topology(self.nc, self.settings)
        await ensure_monitor_topology(self.nc, js, self.settings)
        monitors = await js.key_value(subjects.MONITORS_BUCKET)
        history = await js.key_value(subjects.MONITOR_RUNS_BUCKET)
        views = MonitorViews(js, monitors, history)
        self.slot_runs = SlotRuns(self.nc, monitors, history, views)
        # One durable consumer shared by every replica: each fired message goes to one of them;
        # a redelivery to another is harmless (request_id dedupe).
        sub = await js.pull_subscribe(
            subjects.FIRED_WILDCARD, durable=subjects.SCHEDULES_CONSUMER, stream=subjects.SCHEDULES_STREAM,
            config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, ack_wait=60, max_deliver=-1),
        )
        self._consume = asyncio.create_task(pull_forever(sub, self.slot_runs.on_fired, "fired", RETRY_DELAY_S))
        # Each monitor run is judged when its completion event arrives (alerting.py).
        self.alerting = Alerting(js, monitors, self.settings, views.runs_of)
        await self.alerting.start()
        self.micro = await MicroService(
            self.nc, "brandlens-monitors", "Monitors: a diagnosis on a schedule nats-server fires",
            metadata={"component": "monitors"}, stats_data=self.stats,
        ).start()
        endpoints = MonitorEndpoints(self.settings, self.catalogue, js, monitors, history, views, self.slot_runs)
        for name, subject, handler, req_type, resp_type in endpoints.table():
            await self.micro.add_endpoint(name, subject, handler, request_type=req_type, response_type=resp_type)
        log.info("monitors_ready")

    def stats(self) -> dict[str, object]:
        runs = self.slot_runs
        return {"fired": runs.fired if runs else 0, "submitted": runs.submitted if runs else 0,
                "alerts": self.alerting.raised if self.alerting else 0}

    async def stop(self) -> None:
        if self.micro:
            await self.micro.stop()
        if self._consume:
            self._consume.cancel()
            await asyncio.gather(self._consume, return_exceptions=True)
        if self.alerting:
            await self.alerting.stop()
        if self.nc and not self.nc.is_closed:
            await self.nc.close()
