"""A real change alerts end to end; the same distribution does not.

Rules pinned (real nats-server, simulator, aggregator, dispatcher, adapter, monitors service; an
`every_s: 2` schedule fired by nats-server):
- runs of an unchanged simulator raise no alert (checked on the stream and the record before the
  shift);
- after the simulator's visibility shift removes the brand from answers, a `disappeared` or
  `visibility_drop` alert for that brand appears on `brandlens.alerts.<monitor>` (read by a
  consumer that starts late: the stream keeps it) and on `monitor show`, naming both runs and the
  cells that show it, only for runs after the shift;
- the webhook gets the alert with a valid HMAC signature even though its first call hangs, and the
  hanging receiver does not hold up the monitor's runs.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
from aiohttp import web
from nats.aio.client import Client

from bench.alerts_noise import COMPETITORS, QUESTIONS
from services.monitors.webhook import SIGNATURE_HEADER, verify
from shared import subjects
from tests.harness import Harness

SECRET = "test-webhook-secret-not-in-spec"
BRAND = "志邦"


def _spec(webhook: str) -> dict[str, Any]:
    return {
        "name": "zbom daily", "schedule": {"every_s": 2},
        "request": {"brand": {"name": BRAND}, "competitors": [{"name": n} for n in COMPETITORS],
                    "questions": QUESTIONS[:12], "models": ["sim-deepseek"], "samples": 2},
        "alerts": {"webhook": webhook, "webhook_secret_env": "TEST_ALERT_SECRET"},
    }


async def _call(nc: Client, subject: str, body: dict[str, Any]) -> Any:
    reply = await nc.request(subject, json.dumps(body).encode(), timeout=30)
    return json.loads(reply.data)


def _slot_time(slot: str) -> float:
    return datetime.strptime(slot, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp()


def _ended(shown: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in shown["runs"] if r["run_id"] and r["status"] in ("complete", "partial")]


class Receiver:
    """A webhook that hangs on its first call and answers 200 afterwards, keeping what it got."""

    def __init__(self) -> None:
        self.calls = 0
        self.received: list[tuple[bytes, str]] = []
        self.hung_at = 0.0

    async def handle(self, request: web.Request) -> web.Response:
        self.calls += 1
        first = self.calls == 1  # taken before any await: concurrent deliveries interleave here
        body = await request.read()
        if first:
            self.hung_at = time.time()
            await asyncio.sleep(60)
        self.received.append((body, request.headers.get(SIGNATURE_HEADER, "")))
        return web.json_response({"ok": True})


@pytest.mark.slow  # ~60 s: real schedules, a dozen runs; kept out of make test-fast
async def test_shift_alerts_on_bus_record_and_webhook_and_noise_does_not() -> None:
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    h = Harness(Path(tempfile.mkdtemp(prefix="brandlens-alerts-")))
    try:
        h.start_stack(["sim-deepseek"])
        # The secret reaches the monitors process only, through its environment.
        h.start("monitors", "-m", "services.monitors", env={"TEST_ALERT_SECRET": SECRET})
        assert h.nats is not None
        nc = await nats.connect(h.nats.url, connect_timeout=5)
        deadline = time.monotonic() + 60
        while True:
            try:
                created = await _call(nc, subjects.MONITORS_CREATE, _spec(f"http://127.0.0.1:{port}/hook"))
                break
            except nats.errors.NoRespondersError:
                assert time.monotonic() < deadline, h.logs()
                await asyncio.sleep(0.5)
        monitor_id = created["id"]

        # Unchanged simulator: enough ended runs for a window and its baseline (2 + 4) to be judged
        # twice, and no alert.
        deadline = time.monotonic() + 90
        while len(_ended(shown := await _call(nc, subjects.MONITORS_SHOW, {"id": monitor_id}))) < 7:
            assert time.monotonic() < deadline, h.logs()
            await asyncio.sleep(0.5)
        assert shown["alerts"] == [], shown["alerts"]
        js = nc.jetstream()
        info = await js.stream_info(subjects.ALERTS_STREAM, subjects_filter=subjects.alerts_subject(monitor_id))
        assert info.state.messages == 0

        shift_at = time.time()
        async with httpx.AsyncClient(timeout=5) as http:
            (await http.post(f"{h.simulator_url}/_sim/shifts", json={"brand": BRAND, "remove_rate": 1.0})
             ).raise_for_status()
        # A consumer that starts now still reads every alert of the monitor (kept in the stream).
        deadline = time.monotonic() + 90
        alerts: list[dict[str, Any]] = []
        while not alerts:
            assert time.monotonic() < deadline, h.logs()
            await asyncio.sleep(1)
            info = await js.stream_info(subjects.ALERTS_STREAM, subjects_filter=subjects.alerts_subject(monitor_id))
            if info.state.messages:
                sub = await js.subscribe(subjects.alerts_subject(monitor_id), ordered_consumer=True)
                for _ in range(info.state.messages):
                    alerts.append(json.loads((await sub.next_msg(timeout=5)).data))
                await sub.unsubscribe()
        drops = [a for a in alerts if a["brand"] == BRAND and a["kind"] in ("disappeared", "visibility_drop")]
        assert drops, alerts
        drop = drops[0]
        assert drop["before"] > 0.5 and drop["after"] < drop["before"] - 0.3
        assert drop["interval"]["high"] < 0 and drop["adjusted_p"] < 0.05
        assert drop["baseline_run_id"] and drop["run_id"] and drop["cells"]
        runs_kv = await js.key_value(subjects.RUNS_BUCKET)
        for run_id in drop["window_run_ids"]:
            record = json.loads((await runs_kv.get(run_id)).value or b"{}")
            # Every run the change held in started after the shift was switched on... or was
            # in flight then; its slot is never before the shift by more than one interval.
            assert record["created_at"] >= shift_at - 2.5, (record["created_at"], shift_at)
        cells_kv = await js.key_value(subjects.CELLS_BUCKET)
        shown_cell = json.loads((await cells_kv.get(f"{drop['run_id']}.{drop['cells'][0]}")).value or b"{}")
        assert BRAND not in shown_cell["result"]["answer"]

        shown = await _call(nc, subjects.MONITORS_SHOW, {"id": monitor_id})
        assert drop["id"] in [a["id"] for a in shown["alerts"]]
        # The webhook's first call hangs (past the client's timeout); every alert on the record is
        # still delivered, signed — the hung one by its retry — and slots that started while the
        # call hung ran to the end: a hanging receiver holds up neither runs nor other alerts.
        deadline = time.monotonic() + 40
        while not receiver.hung_at:
            assert time.monotonic() < deadline, h.logs()
            await asyncio.sleep(0.2)
        # The alerts raised so far, the hung one among them (later runs may raise more meanwhile).
        raised = {a["id"] for a in (await _call(nc, subjects.MONITORS_SHOW, {"id": monitor_id}))["alerts"]}
        while True:
            shown = await _call(nc, subjects.MONITORS_SHOW, {"id": monitor_id})
            delivered = {json.loads(body)["id"] for body, _ in receiver.received}
            during_hang = [r for r in _ended(shown)
                           if receiver.hung_at and receiver.hung_at < _slot_time(r["slot"]) < receiver.hung_at + 5]
            if delivered >= raised and during_hang:
                break
            assert time.monotonic() < deadline, (sorted(raised - delivered), receiver.hung_at,
                                                 [r["slot"] for r in _ended(shown)][-6:])
            await asyncio.sleep(0.5)
        assert receiver.calls > len(raised)  # the hung call, then its retry
        for body, header in receiver.received:
            assert verify(SECRET, body, header)
            assert json.loads(body)["monitor"] == monitor_id
        for text in (h.procs["monitors"].log(400), json.dumps(shown)):
            assert SECRET not in text
        await nc.close()
    finally:
        h.close()
        await runner.cleanup()
