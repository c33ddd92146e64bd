"""A real simulator process per test session (zero latency), reset before each test."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
OPENAI_HEADERS = {"Authorization": "Bearer sk-test-0001"}
ANTHROPIC_HEADERS = {"x-api-key": "sk-ant-test-0001", "anthropic-version": "2023-06-01"}
GEMINI_HEADERS = {"x-goog-api-key": "AIza-test-0001"}


@dataclass
class SimProcess:
    url: str
    proc: subprocess.Popen[bytes]

    def stop(self, timeout: float = 5.0) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(timeout)


def launch(*args: str) -> SimProcess:
    """Start `python -m services.simulator` on a free port and wait for its ready line."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.simulator", "--host", "127.0.0.1", "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=REPO,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()
    match = re.fullmatch(r"simulator listening on (http://127\.0\.0\.1:\d+)\n", line)
    if not match:
        proc.kill()
        raise AssertionError(f"simulator did not start: {line!r}")
    return SimProcess(match.group(1), proc)


@pytest.fixture(scope="session")
def simulator() -> Iterator[SimProcess]:
    sim = launch("--latency-scale", "0", "--seed", "7")
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture
def http(simulator: SimProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=simulator.url, timeout=10) as client:
        client.post("/_sim/reset").raise_for_status()
        yield client


@pytest.fixture
async def ahttp(simulator: SimProcess, http: httpx.Client) -> AsyncIterator[httpx.AsyncClient]:
    # Depends on `http` so the simulator is reset first.
    async with httpx.AsyncClient(base_url=simulator.url, timeout=10) as client:
        yield client


def chat(http: httpx.Client, model: str, question: str, **extra: object) -> httpx.Response:
    body = {"model": model, "messages": [{"role": "user", "content": question}], **extra}
    return http.post("/v1/chat/completions", json=body, headers=OPENAI_HEADERS)


def chat_text(http: httpx.Client, model: str, question: str, **extra: object) -> str:
    response = chat(http, model, question, **extra)
    assert response.status_code == 200, response.text
    content: str = response.json()["choices"][0]["message"]["content"]
    return content


def add_fault(http: httpx.Client, **spec: object) -> None:
    http.post("/_sim/faults", json=spec).raise_for_status()


def sse_data(text: str) -> list[str]:
    """The `data:` payloads of an SSE body, in order."""
    return [line[5:].strip() for line in text.splitlines() if line.startswith("data:")]
