"""Shared fixtures. The NATS-backed ones are session-scoped: starting the stack is the slow part."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from shared.client import BrandlensClient
from tests.harness import Harness

PIPELINE_MODELS = ["sim-deepseek", "sim-qwen", "sim-doubao", "badkey", "badkey2"]


async def wait_ready(harness: Harness, models: list[str], timeout_s: float = 30.0) -> None:
    """Until every adapter has announced itself healthy and the aggregator answers."""
    assert harness.nats is not None
    client = await BrandlensClient.connect(harness.nats.url, settings=harness.settings(), timeout_s=5)
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while loop.time() < deadline:
            try:
                ready = {m["model"] for m in await client.models() if m["ready"]}
                await client.runs(limit=1)
                if ready >= set(models):
                    return
            except Exception:  # noqa: BLE001 - services still starting
                pass
            await asyncio.sleep(0.05)
        raise AssertionError("stack not ready:\n" + harness.logs())
    finally:
        await client.close()


@pytest.fixture(scope="session")
async def stack() -> AsyncIterator[Harness]:
    root = Path(tempfile.mkdtemp(prefix="brandlens-test-"))
    harness = Harness(root, extra_env={"BRANDLENS_TEST_BAD_KEY": "sk-invalid-test-key-0001"})
    try:
        harness.start_stack(PIPELINE_MODELS)
        await wait_ready(harness, PIPELINE_MODELS)
        yield harness
    finally:
        harness.close()


@pytest.fixture(scope="session")
async def client(stack: Harness) -> AsyncIterator[BrandlensClient]:
    assert stack.nats is not None
    client = await BrandlensClient.connect(stack.nats.url, settings=stack.settings(), timeout_s=10)
    try:
        yield client
    finally:
        await client.close()
