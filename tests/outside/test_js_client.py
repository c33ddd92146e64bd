"""An outside service, written with the official NATS JavaScript packages (@nats-io/* from npm),
uses every documented path as the `client` user: micro discovery, request/reply, KV, object
store, and the run's events through JetStream consumers (ordered, and ephemeral pull) started
after the run ended — a late subscriber misses nothing. What the role must not do (delete a
stream, read jobs, overwrite KV) fails with the server's permissions error, never a hang.

Nobody here wrote that client library: it checks the permissions the way other teams' services
will meet them. `make install` installs the packages (tests/outside/package-lock.json).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shared.client import BrandlensClient
from tests.harness import REPO, Harness

HERE = REPO / "tests" / "outside"
MODEL = "sim-deepseek"
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(
    NODE is None and os.environ.get("BRANDLENS_REQUIRE_NODE") != "1",
    reason="node not installed (the official NATS JS client runs on it)")


@pytest.fixture(scope="module")
def secured() -> Iterator[Harness]:
    if not (HERE / "node_modules" / "@nats-io" / "transport-node").exists():
        pytest.fail("the NATS JavaScript packages are missing: run `make install` (npm ci in tests/outside)")
    harness = Harness(Path(tempfile.mkdtemp(prefix="brandlens-js-")), auth=True)
    try:
        harness.start_stack([MODEL])
        yield harness
    finally:
        harness.close()


@pytest.fixture(scope="module")
async def checks(secured: Harness) -> dict[str, dict[str, Any]]:
    assert secured.nats is not None and NODE is not None
    client = await BrandlensClient.connect(secured.nats.url, settings=secured.settings("client"))
    try:
        for _ in range(400):
            try:
                if any(m["model"] == MODEL and m["ready"] for m in await client.models()):
                    break
            except Exception:  # noqa: BLE001 - services still starting
                pass
            await asyncio.sleep(0.05)
    finally:
        await client.close()
    env = {**os.environ, "NATS_URL": secured.nats.url, "NATS_USER": "client",
           "NATS_PASSWORD": secured.credentials["client"], "BRANDLENS_MODEL": MODEL}
    result = await asyncio.to_thread(subprocess.run, [NODE, "client.mjs"], cwd=HERE, env=env, capture_output=True,
                                     text=True, timeout=240, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return {row["check"]: row for row in rows}


class TestOutsideJavaScriptClient:
    async def test_every_documented_path_works_as_client(self, checks: dict[str, dict[str, Any]]) -> None:
        """Discovery, models, submit, status, events (ordered + ephemeral consumers), KV, report: all ok."""
        wanted = ["micro discovery", "models by request", "submit by request", "status until complete",
                  "events by ordered consumer", "events by ephemeral pull consumer", "run record from KV",
                  "health from KV", "report from object store", "report by request"]
        failed = {name: checks.get(name) for name in wanted if not (checks.get(name) or {}).get("ok")}
        assert not failed, failed

    async def test_a_late_ordered_consumer_sees_the_run_through_completed(
        self, checks: dict[str, dict[str, Any]]
    ) -> None:
        """Started after the run ended, the consumer still reads its progress and its completion."""
        seen = checks["events by ordered consumer"]["detail"]
        assert seen[-1] == "completed" and "progress" in seen, seen

    async def test_what_the_client_must_not_do_is_refused_with_an_error(
        self, checks: dict[str, dict[str, Any]]
    ) -> None:
        """Deleting a stream, a consumer on the jobs, overwriting a run: a permissions error each."""
        refused = {name: row for name, row in checks.items() if name.startswith("must not:")}
        assert len(refused) == 3
        for name, row in refused.items():
            assert row["ok"] and "Permissions Violation" in row["detail"], (name, row)
