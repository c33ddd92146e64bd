"""One benchmark stack: nats-server, the simulator and the services as separate processes.

Built on the test harness (tests/harness.py) so the bench runs exactly what `brandlens up` and
the pipeline tests run; this adds the bench catalogue, simulator config, adapter replicas, the
pids to measure and a connected client.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from pathlib import Path

from shared.client import BrandlensClient
from shared.config import load_settings
from shared.errors import BrandlensError
from tests.harness import Harness

BENCH_CATALOGUE = Path(__file__).resolve().parent / "models.bench.toml"


def catalogue_with(concurrency: dict[str, int], out: Path) -> Path:
    """A copy of the bench catalogue with some models' concurrency changed."""
    lines, model = [], ""
    for line in BENCH_CATALOGUE.read_text(encoding="utf-8").splitlines():
        if line.startswith("[models."):
            model = line.strip()[len("[models."):-1]
        elif line.startswith("concurrency =") and model in concurrency:
            line = f"concurrency = {concurrency[model]}"
        lines.append(line)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


class BenchStack:
    def __init__(self, models: list[str], *, simulator_config: dict[str, object] | None = None,
                 replicas: int = 1, env: dict[str, str] | None = None, label: str = "bench",
                 concurrency: dict[str, int] | None = None) -> None:
        self.models = models
        self.replicas = replicas
        self._tmp = tempfile.TemporaryDirectory(prefix=f"brandlens-{label}-")
        self.root = Path(self._tmp.name)
        catalogue = catalogue_with(concurrency, self.root / "models.toml") if concurrency else BENCH_CATALOGUE
        self.harness = Harness(self.root, catalogue=catalogue, latency_scale=0.0,
                               extra_env={"BRANDLENS_LOG_LEVEL": "warning", **(env or {})})
        self.simulator_config = simulator_config or {}
        self.client: BrandlensClient | None = None

    async def __aenter__(self) -> BenchStack:
        try:
            await asyncio.to_thread(self._start_processes)
            self.client = await BrandlensClient.connect(self.nats_url, settings=load_settings({}), timeout_s=30)
            await self.wait_ready(self.models)
        except BaseException:
            # A stack that failed to start must not leave its processes behind.
            await self.__aexit__()
            raise
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self.client is not None:
            await self.client.close()
        await asyncio.to_thread(self.harness.close)
        self._tmp.cleanup()

    @property
    def nats_url(self) -> str:
        assert self.harness.nats is not None
        return self.harness.nats.url

    @property
    def simulator_url(self) -> str:
        return self.harness.simulator_url

    def _start_processes(self) -> None:
        h = self.harness
        h.start_nats()
        config = self.root / "simulator.json"
        config.write_text(json.dumps({"latency_scale": 0.0, "honour_latency_hints": True,
                                      "request_log_size": 100, **self.simulator_config}))
        h.start_simulator("--config", str(config))
        h.start("aggregator", "-m", "services.aggregator")
        h.start("dispatcher", "-m", "services.dispatcher")
        for model in self.models:
            for replica in range(1, self.replicas + 1):
                self.add_adapter(model, replica)

    def add_adapter(self, model: str, replica: int) -> None:
        self.harness.start(f"adapter-{model}-{replica}", "-m", "services.adapter", "--model", model)

    def stop_process(self, name: str) -> None:
        self.harness.procs.pop(name).stop(10)

    async def wait_ready(self, models: list[str], timeout_s: float = 60.0) -> None:
        assert self.client is not None
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                ready = {m["model"] for m in await self.client.models() if m["ready"]}
                if set(models) <= ready:
                    return
            except BrandlensError:  # the dispatcher may not answer yet while it starts
                pass
            dead = [name for name, proc in self.harness.procs.items() if not proc.alive]
            if dead:
                raise RuntimeError(f"{', '.join(dead)} exited while starting:\n{self.harness.logs()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"models not ready within {timeout_s}s:\n{self.harness.logs()}")
            await asyncio.sleep(0.2)

    def pids(self) -> dict[str, int]:
        """Every process of the stack by name (for /proc counters)."""
        h = self.harness
        assert h.nats is not None and h.nats.proc is not None
        assert h.simulator is not None and h.simulator.proc is not None
        found = {"nats-server": h.nats.proc.pid, "simulator": h.simulator.proc.pid}
        for name, proc in h.procs.items():
            if proc.proc is not None and proc.alive:
                found[name] = proc.proc.pid
        return found

    async def run(self, request: dict[str, object], timeout_s: float = 600) -> tuple[str, float, str]:
        """Submit, wait for completion; (run id, seconds from submit to the completion event, status)."""
        assert self.client is not None
        started = time.perf_counter()
        accepted = await self.client.submit(request)
        completed = await self.client.wait(accepted.run_id, timeout_s=timeout_s)
        return accepted.run_id, time.perf_counter() - started, completed.status
