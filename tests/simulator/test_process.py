"""The CLI process: ready line, clean shutdown, config file, latency model."""

from __future__ import annotations

import json
import signal
import statistics
import threading
import time
from pathlib import Path

import httpx

from services.simulator.config import ModelSettings, Percentiles, SimulatorConfig
from services.simulator.latency import LatencyModel
from tests.simulator.conftest import OPENAI_HEADERS, launch

BODY = {"messages": [{"role": "user", "content": "全屋定制品牌哪家好"}]}


class TestLifecycle:
    def test_sigterm_and_sigint_exit_cleanly(self) -> None:
        """The process prints its ready line, serves, and exits 0 on SIGTERM and on SIGINT."""
        for signum in (signal.SIGTERM, signal.SIGINT):
            sim = launch("--latency-scale", "0")
            assert httpx.get(f"{sim.url}/_sim/health").json() == {"ok": True}
            sim.proc.send_signal(signum)
            assert sim.proc.wait(10) == 0

    def test_sigterm_while_a_request_hangs_still_exits_promptly(self, tmp_path: Path) -> None:
        """A hanging request does not hold shutdown: SIGTERM exits 0 within a couple of seconds."""
        config = tmp_path / "hang.json"
        config.write_text(json.dumps({"faults": [{"model": "glm-4", "mode": "hang"}]}))
        sim = launch("--config", str(config))
        with httpx.Client(base_url=sim.url, timeout=10) as client:
            thread = threading.Thread(target=lambda: _swallow(client, "glm-4"), daemon=True)
            thread.start()
            time.sleep(0.3)
            started = time.monotonic()
            sim.proc.terminate()
            assert sim.proc.wait(10) == 0
            assert time.monotonic() - started < 3


def _swallow(client: httpx.Client, model: str) -> None:
    try:
        client.post("/v1/chat/completions", json={"model": model, **BODY}, headers=OPENAI_HEADERS)
    except httpx.HTTPError:
        pass


class TestConfigFile:
    def test_config_sets_fixed_latency_and_initial_faults(self, tmp_path: Path) -> None:
        """A --config file's per-model fixed latency applies as given, and its faults are active at start."""
        config = tmp_path / "sim.json"
        config.write_text(json.dumps({
            "models": {"deepseek-chat": {"latency_ms": 250}},
            "faults": [{"model": "qwen-max", "mode": "status", "code": "insufficient_quota"}],
        }))
        sim = launch("--config", str(config), "--latency-scale", "0")
        try:
            with httpx.Client(base_url=sim.url, timeout=10, headers=OPENAI_HEADERS) as client:
                started = time.monotonic()
                assert client.post("/v1/chat/completions", json={"model": "deepseek-chat", **BODY}).status_code == 200
                assert time.monotonic() - started >= 0.25
                quota = client.post("/v1/chat/completions", json={"model": "qwen-max", **BODY})
                assert quota.status_code == 429 and quota.json()["error"]["code"] == "insufficient_quota"
        finally:
            assert sim.stop() == 0


class TestLatencyModel:
    def test_defaults_follow_observed_medians_scaled(self) -> None:
        """Built-in latencies are lognormal around the observed p50/p90, times the scale."""
        model = LatencyModel(SimulatorConfig(latency_scale=0.02, seed=1))
        draws = sorted(model.seconds("deepseek-chat") for _ in range(4000))
        assert abs(statistics.median(draws) - 19.449 * 0.02) < 0.03
        assert abs(draws[int(0.9 * len(draws))] - 21.757 * 0.02) < 0.03
        doubao = statistics.median(model.seconds("doubao-seed-1-6") for _ in range(2000))
        assert doubao > statistics.median(draws)

    def test_zero_scale_and_configured_percentiles(self) -> None:
        """Scale 0 removes built-in latency; configured percentiles are used as given."""
        config = SimulatorConfig(latency_scale=0, models={"glm-4": ModelSettings(latency_ms=Percentiles(100, 200))})
        model = LatencyModel(config)
        assert model.seconds("deepseek-chat") == 0.0
        median = statistics.median(model.seconds("glm-4") for _ in range(3000))
        assert abs(median - 0.1) < 0.01
