"""Monitors on real schedules: nats-server fires, the monitors service submits, each slot runs once.

Rules pinned (real nats-server, simulator, aggregator, two dispatchers and two monitor services):
- an `every_s: 1` monitor produces one run per slot: runs in brandlens_runs tagged with the monitor
  equal the distinct slots in its history — never two runs for a slot, with two replicas of each;
- killing a dispatcher and restarting nats-server between slots loses no slot silently: the slots
  the server skipped while down are recorded `missed`, later slots keep running once each;
- pause removes the schedule (no new slots), and the monitor's history is readable via show;
- alerts across the same faults (two dispatchers, two monitor services, a dispatcher SIGKILLed and
  nats-server restarted between slots after the simulator shifted the brand): each slot still runs
  once, and each alert is published once — messages in BRANDLENS_ALERTS for the monitor = distinct
  alert ids = the alerts on the record, one per kind × brand × model, none lost by the restarts.
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

import httpx
import nats
import pytest
from nats.aio.client import Client

from bench.alerts_noise import COMPETITORS, QUESTIONS
from shared import subjects
from shared.bus import kv_keys
from shared.contracts import run_decoder
from tests.harness import Harness

SPEC = {"name": "every second", "schedule": {"every_s": 1},
        "request": {"brand": {"name": "Acme"}, "questions": ["best tool?"], "models": ["sim-deepseek"]}}


async def _call(nc: Client, subject: str, body: dict[str, Any]) -> Any:
    reply = await nc.request(subject, json.dumps(body).encode(), timeout=30)
    return json.loads(reply.data)


async def _monitor_runs(nc: Client, monitor_id: str) -> list[str]:
    kv = await nc.jetstream().key_value(subjects.RUNS_BUCKET)
    found = []
    for key in await kv_keys(nc.jetstream(), subjects.RUNS_BUCKET):
        entry = await kv.get(key)
        record = run_decoder.decode(entry.value or b"")
        if record.request.client == f"monitor:{monitor_id}":
            found.append(key)
    return found


async def _wait_slots(nc: Client, monitor_id: str, n: int, timeout_s: float = 40) -> dict[str, Any]:
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


ALERT_BRAND = "志邦"
ALERT_SPEC = {"name": "zbom every 2 s", "schedule": {"every_s": 2},
              "request": {"brand": {"name": ALERT_BRAND}, "competitors": [{"name": n} for n in COMPETITORS],
                          "questions": QUESTIONS[:12], "models": ["sim-deepseek"], "samples": 2}}


async def _ended(nc: Client, monitor_id: str) -> dict[str, Any]:
    while True:
        try:
            return dict(await _call(nc, subjects.MONITORS_SHOW, {"id": monitor_id}))
        except (nats.errors.NoRespondersError, nats.errors.TimeoutError):
            await asyncio.sleep(0.5)  # reconnecting after the server restart


def _ended_runs(shown: dict[str, Any]) -> list[str]:
    return [r["run_id"] for r in shown["runs"] if r["run_id"] and r["status"] in ("complete", "partial")]


async def _stream_alerts(nc: Client, monitor_id: str) -> list[dict[str, Any]]:
    """Every message in BRANDLENS_ALERTS for the monitor (an ordered consumer reads them all)."""
    js = nc.jetstream()
    info = await js.stream_info(subjects.ALERTS_STREAM, subjects_filter=subjects.alerts_subject(monitor_id))
    found: list[dict[str, Any]] = []
    if info.state.messages:
        sub = await js.subscribe(subjects.alerts_subject(monitor_id), ordered_consumer=True)
        for _ in range(info.state.messages):
            found.append(json.loads((await sub.next_msg(timeout=5)).data))
        await sub.unsubscribe()
    return found


@pytest.mark.slow  # ~60 s: real schedules, a shift, a dispatcher kill and a nats-server restart
async def test_each_alert_is_published_once_across_replicas_and_restarts() -> None:
    h = Harness(Path(tempfile.mkdtemp(prefix="brandlens-mon-alerts-")))
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
                monitor_id = (await _call(nc, subjects.MONITORS_CREATE, ALERT_SPEC))["id"]
                break
            except nats.errors.NoRespondersError:
                assert time.monotonic() < deadline, h.logs()
                await asyncio.sleep(0.5)

        # Unchanged simulator: a window and its baseline, and no alert.
        deadline = time.monotonic() + 90
        while len(_ended_runs(shown := await _ended(nc, monitor_id))) < 4:
            assert time.monotonic() < deadline, h.logs()
            await asyncio.sleep(0.5)
        assert shown["alerts"] == [] and await _stream_alerts(nc, monitor_id) == []

        async with httpx.AsyncClient(timeout=5) as http:
            (await http.post(f"{h.simulator_url}/_sim/shifts", json={"brand": ALERT_BRAND, "remove_rate": 1.0})
             ).raise_for_status()
        # Between slots after the shift: a dispatcher dies, then nats-server is down for 4 s.
        h.procs["dispatcher"].kill()
        await asyncio.sleep(2.5)
        h.nats.stop()
        await asyncio.sleep(4)
        h.start_nats()
        h.start("dispatcher", "-m", "services.dispatcher")

        deadline = time.monotonic() + 120
        while True:
            shown = await _ended(nc, monitor_id)
            if any(a["brand"] == ALERT_BRAND for a in shown["alerts"]):
                break
            assert time.monotonic() < deadline, h.logs()
            await asyncio.sleep(1)
        # More slots after the alert: a re-judged or redelivered run must not raise it again.
        alerted_at = len(_ended_runs(shown))
        deadline = time.monotonic() + 60
        while len(_ended_runs(shown := await _ended(nc, monitor_id))) < alerted_at + 3:
            assert time.monotonic() < deadline, h.logs()
            await asyncio.sleep(0.5)
        await _call(nc, subjects.MONITORS_PAUSE, {"id": monitor_id})
        await asyncio.sleep(4)  # in-flight runs end and are judged

        shown = await _ended(nc, monitor_id)
        published = await _stream_alerts(nc, monitor_id)
        ids = [a["id"] for a in published]
        keys = [(a["kind"], a["brand"], a["model"]) for a in published]
        run_ids = [r["run_id"] for r in shown["runs"] if r["run_id"]]
        slots = [r["slot"] for r in shown["runs"]]
        runs_in_kv = await _monitor_runs(nc, monitor_id)
        print(f"MEASURED slots={len(slots)} runs={len(run_ids)} kv_runs={len(runs_in_kv)} "
              f"alerts_published={len(ids)} on_record={len(shown['alerts'])} kinds={sorted(set(keys))}")
        assert len(ids) == len(set(ids)), "an alert was published twice"
        assert sorted(ids) == sorted(a["id"] for a in shown["alerts"]), "stream and record disagree"
        assert len(keys) == len(set(keys)), f"one change, one alert: {keys}"
        assert any(k[0] in ("disappeared", "visibility_drop") and k[1] == ALERT_BRAND for k in keys), keys
        assert all(a["run_id"] in run_ids for a in published)
        # And each slot ran once through it all.
        assert len(slots) == len(set(slots)) and len(run_ids) == len(set(run_ids))
        assert sorted(runs_in_kv) == sorted(run_ids), h.logs()
        await nc.close()
    finally:
        h.close()
