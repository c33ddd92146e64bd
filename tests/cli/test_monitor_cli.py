"""`brandlens monitor ...` and `brandlens runs --json` as the console script, on a real stack.

Rules pinned (real nats-server, simulator, aggregator, dispatcher, adapter and monitors service;
an `every_s: 1` schedule fired by nats-server; effects counted in brandlens_runs):
- a bad spec exits 2 naming the field (`schedule`, `schedule.cron`) on stderr and creates nothing;
- `create FILE --json`: the last stdout line is a JSON object with the new `id`;
- `list` / `show` in JSON and for people; `show --json` has `id, name, schedule, paused, runs
  [{run_id, slot, status}], alerts`, and every run it lists is a run in brandlens_runs;
- `pause` stops new runs (counted in KV), `resume` starts them again, `run-now` starts one run
  outside the schedule, `delete` removes the monitor (then `show` exits 1 naming it);
- `runs --json` lists runs as one JSON list of `{run_id, status, brand, models, client, ...}`.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.aio.client import Client

from shared import subjects
from shared.bus import kv_keys
from shared.contracts import run_decoder
from tests.cli.conftest import brandlens_async
from tests.harness import Harness

SPEC = {"name": "acme every second", "schedule": {"every_s": 1},
        "request": {"brand": {"name": "Acme"}, "questions": ["best tool?"], "models": ["sim-deepseek"]}}


def _last_json(stdout: str) -> Any:
    return json.loads(stdout.strip().splitlines()[-1])


async def _monitor_runs(nc: Client, monitor_id: str) -> set[str]:
    """Run ids in brandlens_runs submitted for the monitor (what really ran, not what show says)."""
    js = nc.jetstream()
    kv = await js.key_value(subjects.RUNS_BUCKET)
    found = set()
    for key in await kv_keys(js, subjects.RUNS_BUCKET):
        record = run_decoder.decode((await kv.get(key)).value or b"")
        if record.request.client == f"monitor:{monitor_id}":
            found.add(key)
    return found


async def _until(predicate: Any, timeout_s: float, h: Harness) -> None:
    deadline = time.monotonic() + timeout_s
    while not await predicate():
        assert time.monotonic() < deadline, h.logs()
        await asyncio.sleep(0.3)


@pytest.mark.slow  # ~25 s: a stack, real schedules and a dozen CLI processes
async def test_monitor_verbs_end_to_end() -> None:
    h = Harness(Path(tempfile.mkdtemp(prefix="brandlens-moncli-")))
    try:
        h.start_stack(["sim-deepseek"])
        h.start("monitors", "-m", "services.monitors")
        assert h.nats is not None
        nc = await nats.connect(h.nats.url, connect_timeout=5)

        async def monitors_up() -> bool:
            try:
                await nc.request(subjects.MONITORS_LIST, b"{}", timeout=2)
                return True
            except (nats.errors.NoRespondersError, nats.errors.TimeoutError):
                return False

        await _until(monitors_up, 60, h)
        spec_dir = h.root / "specs"
        spec_dir.mkdir()

        # Bad specs: exit 2, the field named, nothing created.
        (spec_dir / "no-schedule.json").write_text(json.dumps({k: v for k, v in SPEC.items() if k != "schedule"}))
        (spec_dir / "bad-cron.json").write_text(json.dumps({**SPEC, "schedule": {"cron": "* * * * *"}}))
        missing = await brandlens_async(h, "monitor", "create", str(spec_dir / "no-schedule.json"))
        assert missing.returncode == 2 and "  schedule:" in missing.stderr, missing.stderr
        bad_cron = await brandlens_async(h, "monitor", "create", str(spec_dir / "bad-cron.json"), "--json")
        assert bad_cron.returncode == 2 and "schedule.cron" in bad_cron.stderr, bad_cron.stderr
        assert _last_json((await brandlens_async(h, "monitor", "list", "--json")).stdout) == []

        # create --json: the last line carries the id.
        (spec_dir / "good.json").write_text(json.dumps(SPEC))
        created = await brandlens_async(h, "monitor", "create", str(spec_dir / "good.json"), "--json")
        assert created.returncode == 0, created.stderr
        monitor_id = _last_json(created.stdout)["id"]

        listed = await brandlens_async(h, "monitor", "list", "--json")
        assert [(m["id"], m["name"], m["paused"]) for m in _last_json(listed.stdout)] == \
            [(monitor_id, SPEC["name"], False)]
        listed_human = await brandlens_async(h, "monitor", "list")
        assert monitor_id in listed_human.stdout and "every 1 s" in listed_human.stdout

        async def two_runs() -> bool:
            return len(await _monitor_runs(nc, monitor_id)) >= 2

        await _until(two_runs, 60, h)
        shown = await brandlens_async(h, "monitor", "show", monitor_id, "--json")
        view = _last_json(shown.stdout)
        assert set(view) >= {"id", "name", "schedule", "paused", "runs", "alerts"}
        assert view["schedule"]["every_s"] == 1 and view["paused"] is False and view["alerts"] == []
        assert all(set(r) >= {"run_id", "slot", "status"} for r in view["runs"])
        listed_runs = {r["run_id"] for r in view["runs"] if r["run_id"]}
        assert len(listed_runs) >= 2 and listed_runs <= await _monitor_runs(nc, monitor_id)
        human = await brandlens_async(h, "monitor", "show", monitor_id)
        assert f"monitor {monitor_id}" in human.stdout and "runs (" in human.stdout
        assert sorted(listed_runs)[0] in human.stdout

        # pause: the schedule is gone, so no new run lands in KV.
        paused = await brandlens_async(h, "monitor", "pause", monitor_id)
        assert paused.returncode == 0 and f"monitor {monitor_id} is paused" in paused.stdout
        # A fire already in flight settles first: wait until no new run lands for 2 s (bounded),
        # however long the machine takes to finish it.
        frozen = await _monitor_runs(nc, monitor_id)
        settle_until = time.monotonic() + 30
        while True:
            await asyncio.sleep(2)
            now_runs = await _monitor_runs(nc, monitor_id)
            if now_runs == frozen:
                break
            frozen = now_runs
            assert time.monotonic() < settle_until, "runs kept landing after pause"
        await asyncio.sleep(3)
        assert await _monitor_runs(nc, monitor_id) == frozen, "a paused monitor must not run"
        assert _last_json((await brandlens_async(h, "monitor", "show", monitor_id, "--json")).stdout)["paused"]

        # resume: runs again.
        resumed = await brandlens_async(h, "monitor", "resume", monitor_id, "--json")
        assert resumed.returncode == 0 and _last_json(resumed.stdout)["paused"] is False

        async def ran_again() -> bool:
            return len(await _monitor_runs(nc, monitor_id) - frozen) >= 1

        await _until(ran_again, 30, h)

        # run-now: one run outside the schedule, its own request_id namespace.
        now = await brandlens_async(h, "monitor", "run-now", monitor_id, "--json")
        assert now.returncode == 0, now.stderr
        now_run = _last_json(now.stdout)
        assert now_run["run_id"] in await _monitor_runs(nc, monitor_id)
        assert now_run["trigger"] == "run-now"

        # runs --json: one JSON list, the run-now run among them.
        runs = await brandlens_async(h, "runs", "--json", "--limit", "500")
        assert runs.returncode == 0, runs.stderr
        by_id = {r["run_id"]: r for r in _last_json(runs.stdout)}
        assert set(by_id[now_run["run_id"]]) >= {"run_id", "status", "brand", "models", "client", "created_at"}
        assert by_id[now_run["run_id"]]["client"] == f"monitor:{monitor_id}"
        assert await _monitor_runs(nc, monitor_id) <= set(by_id)

        # delete, then show names the missing monitor and exits 1.
        deleted = await brandlens_async(h, "monitor", "delete", monitor_id)
        assert deleted.returncode == 0 and f"deleted monitor {monitor_id}" in deleted.stdout
        gone = await brandlens_async(h, "monitor", "show", monitor_id)
        assert gone.returncode == 1 and monitor_id in gone.stderr
        assert _last_json((await brandlens_async(h, "monitor", "list", "--json")).stdout) == []
        unknown = await brandlens_async(h, "monitor", "pause", "mnotthere")
        assert unknown.returncode == 1 and "mnotthere" in unknown.stderr
        await nc.close()
    finally:
        h.close()
