"""The console script as a subprocess, and the re-analysis endpoint on the test stack."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import msgspec
import nats.errors
import pytest
from nats.micro.request import Request

from services.aggregator.reanalyze import handle_reanalyze
from shared import subjects
from shared.client import BrandlensClient
from shared.service import MicroService
from tests.harness import REPO, Harness

# The installed console script, not `python -m`: the entry point itself is under test.
BRANDLENS = Path(sys.executable).parent / "brandlens"


def brandlens(stack: Harness | None, *args: str, stdin: str | None = None,
              timeout: float = 90) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BRANDLENS_", "NATS_"))}
    if stack is not None:
        env.update(stack.env())
        env["BRANDLENS_HOME"] = str(stack.root / "cli-home")
    return subprocess.run([str(BRANDLENS), *args], input=stdin, env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=timeout, check=False)


async def brandlens_async(stack: Harness | None, *args: str) -> subprocess.CompletedProcess[str]:
    """`brandlens` without blocking the session's event loop (the stack's client lives on it)."""
    return await asyncio.to_thread(brandlens, stack, *args)


@pytest.fixture(scope="module")
async def reanalyze_endpoint(stack: Harness, client: BrandlensClient) -> AsyncIterator[None]:
    """`brandlens.runs.reanalyze` answered by the aggregator, or — until the aggregator serves
    it — by `handle_reanalyze` registered from this process on the same bus."""
    try:
        await client.nc.request(subjects.REANALYZE, msgspec.json.encode({"run_id": "rprobe"}), timeout=5)
        yield
        return
    except nats.errors.NoRespondersError:
        pass
    js = client.nc.jetstream(timeout=30)

    async def handler(request: Request) -> bytes:
        return await handle_reanalyze(js, request.data)

    micro = await MicroService(client.nc, "brandlens-test-reanalyze", "re-analysis for tests").start()
    await micro.add_endpoint("reanalyze", subjects.REANALYZE, handler, request_type="ReanalyzeRequest",
                             response_type="ReanalysisSummary")
    try:
        yield
    finally:
        await micro.stop()
