"""Writes to a monitor record never overwrite one another (compare-and-set, store.update_record).

Rule pinned (real nats-server, the real monitors service process answering pause/resume, and the
alerting code appending alerts to the same KV record from this process, as a second replica
would): in every round a pause (or resume) request and an alert append race on one record, and
after the round the record holds **both** — the pause state asked for and every alert appended
so far. A plain put of the record read before the change (the old pause) loses alerts here.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import nats
from nats.aio.client import Client

from services.monitors.alerting import Alerting
from services.monitors.store import MonitorRun, record_decoder
from shared import subjects
from shared.config import load_settings
from shared.monitoring.alert_types import Alert
from tests.harness import Harness

# A daily cron: nothing fires during the test, so only the two racing writers touch the record.
SPEC = {"name": "cas", "schedule": {"cron": "0 0 9 * * *", "timezone": "Asia/Shanghai"},
        "request": {"brand": {"name": "Acme"}, "questions": ["best tool?"], "models": ["sim-deepseek"]}}
ROUNDS = 30


async def _call(nc: Client, subject: str, body: dict[str, Any]) -> Any:
    reply = await nc.request(subject, json.dumps(body).encode(), timeout=30)
    return json.loads(reply.data)


async def _no_runs(_monitor_id: str) -> list[MonitorRun]:
    return []


async def test_concurrent_pause_and_alert_append_both_survive() -> None:
    h = Harness(Path(tempfile.mkdtemp(prefix="brandlens-cas-")))
    try:
        h.start_nats()
        h.start("monitors", "-m", "services.monitors")
        assert h.nats is not None
        nc = await nats.connect(h.nats.url, connect_timeout=5)
        deadline = time.monotonic() + 60
        while True:
            try:
                monitor_id = (await _call(nc, subjects.MONITORS_CREATE, SPEC))["id"]
                break
            except nats.errors.NoRespondersError:
                assert time.monotonic() < deadline, h.logs()
                await asyncio.sleep(0.3)
        js = nc.jetstream()
        kv = await js.key_value(subjects.MONITORS_BUCKET)
        alerting = Alerting(js, kv, load_settings({}), _no_runs)
        for i in range(ROUNDS):
            paused = i % 2 == 0
            alert = Alert(id=f"{monitor_id}.visibility_drop.Acme.sim-deepseek.r{i}", monitor=monitor_id,
                          kind="visibility_drop", brand="Acme", model="sim-deepseek", run_id=f"r{i}")
            action = subjects.MONITORS_PAUSE if paused else subjects.MONITORS_RESUME
            view, added = await asyncio.gather(_call(nc, action, {"id": monitor_id}),
                                               alerting.store_alerts(monitor_id, [alert]))
            assert view["paused"] is paused
            assert [a.id for a in added] == [alert.id]
            record = record_decoder.decode((await kv.get(monitor_id)).value or b"")
            assert record.paused is paused, f"round {i}: the pause was overwritten"
            assert [a.id for a in record.alerts] == [f"{monitor_id}.visibility_drop.Acme.sim-deepseek.r{j}"
                                                     for j in range(i + 1)], f"round {i}: an alert was lost"
        shown = await _call(nc, subjects.MONITORS_SHOW, {"id": monitor_id})
        assert len(shown["alerts"]) == ROUNDS and shown["paused"] is False
        await nc.close()
    finally:
        h.close()
