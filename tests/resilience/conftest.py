"""The adapter's Caller against a real simulator process over real HTTP.

Every test gets a freshly reset simulator and its own model id, and counts what reached the
server (``/_sim/stats``, ``/_sim/requests``) rather than trusting the caller's own counters.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.adapter.caller import Caller
from shared.catalogue import ModelSpec, Price
from shared.contracts import Job
from shared.providers import make_http_client

REPO = Path(__file__).resolve().parents[2]

# Small backoff and breaker timings keep the suite fast; each test overrides what it studies.
FAST = {
    "max_attempts": 3,
    "retry_base_s": 0.01,
    "retry_max_s": 0.05,
    "breaker_cooldown_s": 0.3,
    "breaker_max_cooldown_s": 0.6,
    "timeout_s": 5.0,
}


@dataclass
class Simulator:
    url: str
    proc: subprocess.Popen[bytes]
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.url, timeout=10)

    def reset(self) -> None:
        self.http.post("/_sim/reset").raise_for_status()

    def fault(self, **spec: Any) -> None:
        self.http.post("/_sim/faults", json=spec).raise_for_status()

    def clear_faults(self, model: str) -> None:
        self.http.delete("/_sim/faults", params={"model": model}).raise_for_status()

    def stats(self) -> dict[str, Any]:
        stats: dict[str, Any] = self.http.get("/_sim/stats").json()
        return stats

    def requests(self, model: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.http.get("/_sim/requests", params={"model": model}).json()
        return rows

    def count(self, model: str) -> int:
        return int(self.stats()["requests"].get(model, 0))

    def statuses(self, model: str) -> list[int]:
        return [int(row["status"]) for row in self.requests(model)]


@pytest.fixture(scope="session")
def simulator_process() -> Iterator[Simulator]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.simulator", "--host", "127.0.0.1", "--port", "0",
         "--latency-scale", "0", "--seed", "3"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=REPO,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()
    match = re.fullmatch(r"simulator listening on (http://127\.0\.0\.1:\d+)\n", line)
    if not match:
        proc.kill()
        raise AssertionError(f"simulator did not start: {line!r}")
    sim = Simulator(match.group(1), proc)
    try:
        yield sim
    finally:
        sim.http.close()
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@pytest.fixture
def sim(simulator_process: Simulator) -> Simulator:
    simulator_process.reset()
    return simulator_process


@pytest.fixture
def model_id() -> str:
    """A model id no other test uses: the `deepseek` prefix picks the simulator's persona."""
    return f"deepseek-chat-{uuid.uuid4().hex[:8]}"


def make_spec(sim: Simulator, model: str, **overrides: Any) -> ModelSpec:
    fields: dict[str, Any] = {
        "name": "sim-test", "protocol": "openai", "provider": "simulator", "base_url": f"{sim.url}/v1",
        "model": model, "simulated": True, "concurrency": 8,
        "price": Price(input_per_mtok=2.0, output_per_mtok=8.0, currency="CNY"), **FAST,
    }
    fields.update(overrides)
    return ModelSpec(**fields)


def make_job(spec: ModelSpec, deadline_s: float = 10.0, question: str = "全屋定制品牌哪家好？") -> Job:
    return Job(run_id="run-resilience", cell_id=uuid.uuid4().hex[:12], model=spec.name, question=question,
               deadline_at=time.time() + deadline_s)


MakeCaller = Callable[..., Caller]


@pytest.fixture
async def make_caller() -> AsyncIterator[MakeCaller]:
    """Builds Callers on real pooled HTTP clients and closes the clients after the test."""
    callers: list[Caller] = []

    def build(spec: ModelSpec, api_key: str | None = None, **kwargs: Any) -> Caller:
        client = make_http_client(max_connections=spec.concurrency, timeout_s=spec.timeout_s)
        caller = Caller(spec, api_key, client, adapter_id="test-adapter", **kwargs)
        callers.append(caller)
        return caller

    yield build
    for caller in callers:
        await caller.client.aclose()


async def eventually(check: Callable[[], bool], timeout_s: float = 2.0) -> bool:
    """Poll ``check`` until true: the server records a disconnect just after the client leaves."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if check():
            return True
        await asyncio.sleep(0.02)
    return check()
