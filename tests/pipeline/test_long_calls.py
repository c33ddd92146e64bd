"""A provider call slower than JetStream's AckWait is kept alive, not redelivered."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from shared.client import BrandlensClient
from tests.harness import Harness


@pytest.mark.slow  # over 3 s: kept out of make test-fast, run by make test
async def test_call_slower_than_ack_wait_is_made_exactly_once() -> None:
    """With AckWait 1 s and 2.5 s answers, in-progress acks prevent redelivery: one HTTP call per cell."""
    root = Path(tempfile.mkdtemp(prefix="brandlens-long-"))
    config = root / "sim.json"
    config.write_text(json.dumps({"models": {"qwen-max": {"latency_ms": 2500}}}), encoding="utf-8")
    harness = Harness(root, extra_env={"BRANDLENS_ACK_WAIT_S": "1"})
    try:
        harness.start_nats()
        harness.start_simulator("--config", str(config))
        harness.start("aggregator", "-m", "services.aggregator")
        harness.start("dispatcher", "-m", "services.dispatcher")
        harness.start("adapter-sim-qwen", "-m", "services.adapter", "--model", "sim-qwen")
        assert harness.nats is not None
        client = await BrandlensClient.connect(harness.nats.url, settings=harness.settings())
        try:
            report = None
            for _ in range(200):
                try:
                    report = await client.run({"brand": {"name": "欧派"}, "questions": ["全屋定制品牌哪家好", "衣柜"],
                                               "models": ["sim-qwen"], "samples": 2, "deadline_s": 60},
                                              timeout_s=60)
                    break
                except Exception:  # noqa: BLE001 - the adapter may not have announced itself yet
                    import asyncio

                    await asyncio.sleep(0.1)
            assert report is not None, harness.logs()
        finally:
            await client.close()
        assert report.status == "complete"
        assert all(c.attempts == 1 and (c.latency_ms or 0) >= 2400 for c in report.cells)
        assert harness.sim_stats()["requests"]["qwen-max"] == 4
    finally:
        harness.close()
