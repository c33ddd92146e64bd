"""Monitors on real schedules: nats-server fires, the monitors service submits, each slot runs once.

Rules pinned (real nats-server, simulator, aggregator, two dispatchers and two monitor services):
- an `every_s: 1` monitor produces one run per slot: runs in brandlens_runs tagged with the monitor
  equal the distinct slots in its history — never two runs for a slot, with two replicas of each;
- killing a dispatcher and restarting nats-server between slots loses no slot silently: the slots
  the server skipped while down are recorded `missed`, later slots keep running once each;
- pause removes the schedule (no new slots), and the monitor's history is readable via show.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import nats
import pytest

from shared import subjects
from shared.bus import kv_keys
from shared.contracts import run_decoder
from tests.harness import Harness

SPEC = {"name": "every second", "schedule": {"every_s": 1},
        "request": {"brand": {"name": "Acme"}, "questions": ["best tool?"], "models": ["sim-deepseek"]}}


async def _call(nc: nats.NATS, subject: str, body: dict[str, Any]) -> Any:
    reply = await nc.request(subject, json.dumps(body).encode(), timeout=30)
    return json.loads(reply.data)


async def _monitor_runs(nc: nats.NATS, monitor_id: str) -> list[str]:
    kv = await nc.jetstream().key_value(subjects.RUNS_BUCKET)
    found = []
    for key in await kv_keys(nc.jetstream(), subjects.RUNS_BUCKET):
        entry = await kv.get(key)
        record = run_decoder.decode(entry.value or b"")
        if record.request.client == f"monitor:{monitor_id}":
            found.append(key)
    return found


async def _wait_slots(nc: nats.NATS, monitor_id: str, n: int, timeout_s: float = 40) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            shown = await _call(nc, subjects.MONITORS_SHOW, {"id": monitor_id})
        except (nats.errors.NoRespondersError, nats.errors.TimeoutError):
            await asyncio.sleep(0.5)  # reconnecting after the server restart
            continue
        if len([r for r in shown["runs"] if r["run_id"]]) >= n or time.monotonic() > deadline:
            return dict(shown)
        await asyncio.sleep(0.5)


@pytest.mark.slow  # over 3 s: kept out of make test-fast, run by make test
async def test_every_slot_runs_once_across_replicas_and_restarts() -> None:
    h = Harness(Path(tempfile.mkdtemp(prefix="brandlens-mon-")))
    try:
        h.start_stack(["sim-deepseek"])
        h.start("dispatcher2", "-m", "services.dispatcher")
        h.start("monitors", "-m", "services.monitors")
        h.start("monitors2", "-m", "services.monitors")
        assert h.nats is not None
        nc = await nats.connect(h.nats.url, connect_timeout=5, max_reconnect_attempts=-1, reconnect_time_wait=0.5)
        deadline = time.monotonic() + 60
        while True:
            try:
                created = await _call(nc, subjects.MONITORS_CREATE, SPEC)
                break
            except nats.errors.NoRespondersError:
                assert time.monotonic() < deadline, h.logs()
                await asyncio.sleep(0.5)
        monitor_id = created["id"]
        bad = await _call(nc, subjects.MONITORS_CREATE, {**SPEC, "schedule": {"cron": "* * * * *"}})
        assert [f["field"] for f in bad["fields"]] == ["schedule.cron"]

        shown = await _wait_slots(nc, monitor_id, 3)
        assert len([r for r in shown["runs"] if r["run_id"]]) >= 3, h.logs()

        # A dispatcher dies between slots; then nats-server is down for 4 s.
        h.procs["dispatcher"].kill()
        await asyncio.sleep(1.5)
        h.nats.stop()
        await asyncio.sleep(4)
        h.start_nats()
        h.start("dispatcher", "-m", "services.dispatcher")
        before = len(shown["runs"])
        shown = await _wait_slots(nc, monitor_id, before + 3, timeout_s=60)
        await _call(nc, subjects.MONITORS_PAUSE, {"id": monitor_id})
        await asyncio.sleep(3)  # in-flight fires settle
        shown = await _call(nc, subjects.MONITORS_SHOW, {"id": monitor_id})
        slots = [r["slot"] for r in shown["runs"]]
        run_ids = [r["run_id"] for r in shown["runs"] if r["run_id"]]
        missed = [r for r in shown["runs"] if r["status"] == "missed"]
        runs_in_kv = await _monitor_runs(nc, monitor_id)
        print(f"MEASURED slots={len(slots)} runs={len(run_ids)} missed={len(missed)} kv_runs={len(runs_in_kv)}")
        assert len(slots) == len(set(slots))
        assert len(run_ids) == len(set(run_ids))
        # Each run in KV belongs to exactly one slot: two dispatchers, two monitors, restarts.
        assert sorted(runs_in_kv) == sorted(run_ids), h.logs()
        assert missed, "slots skipped while nats-server was down must be recorded as missed"
        assert shown["paused"] is True
        await asyncio.sleep(2)
        after = await _call(nc, subjects.MONITORS_SHOW, {"id": monitor_id})
        assert len(after["runs"]) == len(shown["runs"]), "a paused monitor must not run"
        now = await _call(nc, subjects.MONITORS_RUN_NOW, {"id": monitor_id})
        assert now["run_id"] and now["trigger"] == "run-now"
        # The CLI over the same endpoint: `monitor show ID --json`.
        # In a thread: the services it talks to share this test's event loop only through NATS.
        shown_cli = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "services.cli", "monitor", "show", monitor_id, "--json"],
            env=h.env(), capture_output=True, text=True, timeout=60, check=True)
        cli_view = json.loads(shown_cli.stdout.strip().splitlines()[-1])
        assert set(cli_view) >= {"id", "name", "schedule", "paused", "runs", "alerts"}
        assert {r["run_id"] for r in cli_view["runs"] if r["run_id"]} >= set(run_ids)
        await nc.close()
    finally:
        h.close()
