"""Run history survives restarts: runs are listed and reports retrievable by run id."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from shared.client import BrandlensClient
from tests.harness import Harness

REQUEST = {"brand": {"name": "欧派"}, "competitors": [{"name": "索菲亚"}], "questions": ["全屋定制品牌哪家好"],
           "models": ["sim-qwen"], "deadline_s": 60, "client": "history-test"}


async def ready_client(harness: Harness) -> BrandlensClient:
    assert harness.nats is not None
    client = await BrandlensClient.connect(harness.nats.url, settings=harness.settings())
    for _ in range(300):
        try:
            if any(m["ready"] for m in await client.models()):
                await client.runs(limit=1)
                return client
        except Exception:  # noqa: BLE001 - services still starting
            pass
        await asyncio.sleep(0.05)
    raise AssertionError("stack not ready:\n" + harness.logs())


async def test_runs_and_reports_survive_a_full_restart() -> None:
    """After stopping every process (nats-server included) and starting them again on the same store,
    `runs` lists the run with its headline numbers and its report is fetched by run id."""
    harness = Harness(Path(tempfile.mkdtemp(prefix="brandlens-history-")))
    try:
        harness.start_stack(["sim-qwen"])
        client = await ready_client(harness)
        report = await client.run(REQUEST, timeout_s=60)
        await client.close()
        for proc in harness.procs.values():
            proc.stop()
        assert harness.nats is not None
        harness.nats.stop()

        harness.start_nats()
        for name, proc in list(harness.procs.items()):
            harness.procs[name] = type(proc)(proc.name, proc.args, proc.env, proc.log_path).start()
        client = await ready_client(harness)
        try:
            listed = {r["run_id"]: r for r in await client.runs()}
            assert listed[report.run_id]["status"] == "complete"
            assert listed[report.run_id]["coverage"] == 1.0
            assert listed[report.run_id]["client"] == "history-test"
            again = await client.report(report.run_id)
            assert [c.answer for c in again.cells] == [c.answer for c in report.cells]
        finally:
            await client.close()
    finally:
        harness.close()
