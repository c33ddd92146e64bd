"""Shared fixtures. The NATS-backed ones are session-scoped: starting the stack is the slow part."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from shared.client import BrandlensClient
from shared.config import load_settings
from tests.harness import Harness

PIPELINE_MODELS = ["sim-deepseek", "sim-qwen", "sim-doubao", "badkey"]


@pytest.fixture(scope="session")
def stack() -> Iterator[Harness]:
    root = Path(tempfile.mkdtemp(prefix="brandlens-test-"))
    harness = Harness(root, extra_env={"BRANDLENS_TEST_BAD_KEY": "sk-invalid-test-key-0001"})
    try:
        harness.start_stack(PIPELINE_MODELS)
        yield harness
    finally:
        harness.close()


@pytest.fixture(scope="session")
async def client(stack: Harness) -> AsyncIterator[BrandlensClient]:
    assert stack.nats is not None
    client = await BrandlensClient.connect(stack.nats.url, settings=load_settings({}), timeout_s=10)
    try:
        # The stack is ready once every adapter has announced itself healthy.
        import asyncio

        for _ in range(400):
            try:
                listing = await client.models()
                if {m["model"] for m in listing if m["ready"]} >= set(PIPELINE_MODELS):
                    break
            except Exception:
                pass
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("stack not ready:\n" + stack.logs())
        yield client
    finally:
        await client.close()
