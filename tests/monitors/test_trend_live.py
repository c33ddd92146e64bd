"""`brandlens trend` on a real monitor: nats-server fires an `every_s` schedule, the stack runs each slot
against the simulator, and the trend is read back through the monitors service and the CLI.

Rules pinned (real nats-server, simulator, dispatcher, aggregator, adapters, monitors service):
- after ≥ 4 completed slots every brand × model has ≥ 4 points, each rate with its Wilson interval
  and each mean with its t-interval over questions, and a least-squares slope with its interval;
- the answers a trend point counts are exactly the answered cells stored in brandlens_cells for
  that run and model (counted in KV, not trusted from the reply);
- the `{brand}` question is branded, the others are not, and the two SoV series are kept apart;
- the CSV has one row per point, the Markdown and HTML render every model, a bad `period`
  is rejected naming the field, and an unknown monitor exits non-zero naming it.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.aio.client import Client

from shared import subjects
from shared.bus import kv_keys
from shared.contracts import ANSWERED, cell_decoder
from tests.harness import Harness

MODELS = ["sim-deepseek", "sim-qwen"]
SPEC = {
    "name": "trend every 2 s", "schedule": {"every_s": 2},
    "request": {
        "brand": {"name": "欧派", "aliases": ["OPPEIN"]},
        "competitors": [{"name": "索菲亚"}, {"name": "志邦"}],
        "questions": ["全屋定制品牌哪家好", "{brand}的口碑怎么样", "定制衣柜选哪个牌子靠谱"],
        "models": MODELS, "samples": 2,
    },
}
MIN_RUNS = 5


async def _call(nc: Client, subject: str, body: dict[str, Any]) -> Any:
    reply = await nc.request(subject, json.dumps(body).encode(), timeout=30)
    return json.loads(reply.data)


async def _create(nc: Client, h: Harness) -> str:
    deadline = time.monotonic() + 60
    while True:
        try:
            return str((await _call(nc, subjects.MONITORS_CREATE, SPEC))["id"])
        except nats.errors.NoRespondersError:
            assert time.monotonic() < deadline, h.logs()
            await asyncio.sleep(0.5)


async def _wait_complete(nc: Client, monitor_id: str, n: int, h: Harness) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 90
    while True:
        shown = await _call(nc, subjects.MONITORS_SHOW, {"id": monitor_id})
        done = [r for r in shown["runs"] if r["status"] == "complete"]
        if len(done) >= n:
            return done
        assert time.monotonic() < deadline, f"{len(done)} complete runs\n{h.logs()}"
        await asyncio.sleep(0.5)


async def _answered_cells(nc: Client, run_ids: list[str]) -> dict[tuple[str, str], int]:
    """(run_id, model) → answered cells with an analysis, read from brandlens_cells."""
    js = nc.jetstream()
    kv = await js.key_value(subjects.CELLS_BUCKET)
    counts: dict[tuple[str, str], int] = {}
    for run_id in run_ids:
        for key in await kv_keys(js, subjects.CELLS_BUCKET, f"{run_id}.>"):
            record = cell_decoder.decode((await kv.get(key)).value or b"")
            if record.result.status in ANSWERED and record.analysis is not None:
                counts[(run_id, record.spec.model)] = counts.get((run_id, record.spec.model), 0) + 1
    return counts


def _cli(h: Harness, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "services.cli", "trend", *args], env=h.env(),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.slow  # over 3 s: a real stack running five scheduled slots
async def test_trend_of_scheduled_runs_has_points_intervals_and_slopes() -> None:
    h = Harness(Path(tempfile.mkdtemp(prefix="brandlens-trend-")))
    try:
        h.start_stack(MODELS)
        h.start("monitors", "-m", "services.monitors")
        assert h.nats is not None
        nc = await nats.connect(h.nats.url, connect_timeout=5)
        monitor_id = await _create(nc, h)
        await _wait_complete(nc, monitor_id, MIN_RUNS, h)
        await _call(nc, subjects.MONITORS_PAUSE, {"id": monitor_id})

        bad = await _call(nc, subjects.MONITORS_TREND, {"id": monitor_id, "period": "week"})
        assert [f["field"] for f in bad["fields"]] == ["period"]

        # In threads: the CLI is its own process talking to the stack over NATS.
        trend = json.loads((await asyncio.to_thread(_cli, h, monitor_id, "--json")).strip().splitlines()[-1])
        used = [r for r in trend["runs"] if r["used"]]
        assert len(used) >= MIN_RUNS and trend["period"] == "slot"
        assert {(s["brand"], s["model"]) for s in trend["series"]} == {
            (b, m) for b in ("欧派", "索菲亚", "志邦") for m in MODELS}
        branded = {q["text"]: q["branded"] for q in trend["questions"]}
        assert branded == {"全屋定制品牌哪家好": False, "欧派的口碑怎么样": True, "定制衣柜选哪个牌子靠谱": False}

        counted = await _answered_cells(nc, [r["run_id"] for r in used])
        for series in trend["series"]:
            points = series["points"]
            assert len(points) >= 4, series
            for point in points:
                (run_id,) = point["runs"]  # one slot per point
                assert point["answers"] == counted[(run_id, series["model"])]
                vis = point["visibility"]
                assert vis["low"] is not None and vis["low"] <= vis["value"] <= vis["high"]
                assert point["share_of_voice_branded"]["n"] + point["share_of_voice_unbranded"]["n"] \
                    == point["share_of_voice"]["n"]
                if point["share_of_voice"]["questions"] >= 2 and point["share_of_voice"]["value"] is not None:
                    sov = point["share_of_voice"]
                    assert sov["low"] <= sov["value"] <= sov["high"]
            slope = next(s for s in series["slopes"] if s["metric"] == "visibility")
            assert slope["points"] >= 4
            assert slope["value"] is not None and slope["low"] <= slope["value"] <= slope["high"], slope
        print(f"MEASURED runs_used={len(used)} points_per_series="
              f"{sorted({len(s['points']) for s in trend['series']})}")

        out = Path(h.root)
        for fmt in ("csv", "md", "html"):
            await asyncio.to_thread(_cli, h, monitor_id, "--format", fmt, "--out", str(out / f"trend.{fmt}"))
        rows = list(csv.DictReader(io.StringIO((out / "trend.csv").read_text(encoding="utf-8"))))
        assert len(rows) == sum(len(s["points"]) for s in trend["series"])
        assert all(r["visibility_low"] and r["visibility_high"] for r in rows)
        markdown = (out / "trend.md").read_text(encoding="utf-8")
        page = (out / "trend.html").read_text(encoding="utf-8")
        for model in MODELS:
            assert f"· {model}" in markdown and f"data-model='{model}'" in page
        assert page.count('class="band"') >= len(trend["series"]) and "<script" not in page

        missing = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "services.cli", "trend", "mnosuchmonitor"], env=h.env(),
            capture_output=True, text=True, timeout=60)
        assert missing.returncode != 0 and "mnosuchmonitor" in missing.stderr, missing
        await nc.close()
    finally:
        h.close()
