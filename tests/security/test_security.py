"""Secrets stay secret and each service can only touch its own subjects.

A stack with per-role NATS users (as `brandlens up` runs it) runs a diagnosis with a sentinel
API key; every NATS message, log line, KV value and report is then searched for it.
"""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import nats
import nats.errors
import nats.js.errors
import pytest
from nats.aio.msg import Msg

from shared import subjects
from shared.bus import BusUnavailable, connect, kv_keys
from shared.client import BrandlensClient
from shared.config import load_settings
from tests.harness import Harness

SENTINEL = f"sk-sentinel-{uuid.uuid4().hex}"
ECHOED = f"sk-invalid-{uuid.uuid4().hex}"


@pytest.fixture(scope="module")
def secured() -> Iterator[Harness]:
    harness = Harness(Path(tempfile.mkdtemp(prefix="brandlens-sec-")), auth=True,
                      extra_env={"BRANDLENS_TEST_SENTINEL_KEY": SENTINEL, "BRANDLENS_TEST_BAD_KEY": ECHOED})
    try:
        harness.start_stack(["sim-deepseek", "keyed", "badkey"])
        yield harness
    finally:
        harness.close()


@pytest.fixture(scope="module")
async def secured_client(secured: Harness) -> AsyncIterator[BrandlensClient]:
    assert secured.nats is not None
    client = await BrandlensClient.connect(secured.nats.url, settings=secured.settings("client"))
    for _ in range(300):
        try:
            ready = {m["model"] for m in await client.models() if m["ready"]}
            if {"sim-deepseek", "keyed", "badkey"} <= ready:
                break
        except Exception:  # noqa: BLE001 - services still starting
            pass
        await asyncio.sleep(0.05)
    yield client
    await client.close()


class TestSecretsNeverLeak:
    async def test_sentinel_key_appears_in_no_message_log_kv_value_or_report(
        self, secured: Harness, secured_client: BrandlensClient
    ) -> None:
        """The API key reaches the provider only: not NATS payloads or headers, logs, KV, or reports."""
        assert secured.nats is not None
        spy = await nats.connect(secured.nats.url, user="operator", password=secured.credentials["operator"])
        seen: list[bytes] = []

        async def record(msg: Msg) -> None:
            seen.append(msg.subject.encode() + b" " + repr(msg.headers).encode() + b" " + msg.data)

        await spy.subscribe(">", cb=record)
        try:
            request = {"brand": {"name": "欧派"}, "competitors": [{"name": "索菲亚"}],
                       "questions": ["全屋定制品牌哪家好", "{brand}的口碑怎么样"],
                       "models": ["keyed", "badkey"], "deadline_s": 60}
            report = await secured_client.run(request, timeout_s=60)
            await asyncio.sleep(0.5)
        finally:
            await spy.close()
        assert {c.status for c in report.cells if c.model == "keyed"} == {"ok"}
        assert {c.status for c in report.cells if c.model == "badkey"} == {"auth_error"}
        assert len(seen) > 20
        haystacks: list[tuple[str, bytes]] = [("nats", m) for m in seen]
        for fmt in ("json", "md", "html", "csv", "answers"):
            from shared.report.formats import render

            haystacks.append((f"report.{fmt}", render(report, fmt)))
        for path in secured.root.glob("*.log"):
            haystacks.append((path.name, path.read_bytes()))
        js = secured_client.js
        for bucket in (subjects.CELLS_BUCKET, subjects.RUNS_BUCKET, subjects.HEALTH_BUCKET):
            kv = await js.key_value(bucket)
            for key in await kv_keys(js, bucket):
                entry = await kv.get(key)
                haystacks.append((f"kv {bucket}/{key}", entry.value or b""))
        for secret in (SENTINEL, ECHOED, ECHOED[len("sk-invalid-"):]):
            leaks = [name for name, data in haystacks if secret.encode() in data]
            assert not leaks, f"secret leaked into {leaks[:5]}"


class TestPermissions:
    @pytest.mark.slow  # over 3 s: kept out of make test-fast, run by make test
    async def test_connection_without_credentials_is_refused(self, secured: Harness) -> None:
        """The secured server rejects anonymous clients."""
        assert secured.nats is not None
        with pytest.raises(BusUnavailable):
            await connect(load_settings({}), "anonymous", url=secured.nats.url, first_connect_timeout_s=3)

    async def test_adapter_cannot_consume_another_models_jobs(self, secured: Harness) -> None:
        """An adapter's user may not fetch from another model's durable consumer."""
        assert secured.nats is not None
        nc = await connect(secured.settings("adapter-sim-deepseek"), "intruder", url=secured.nats.url)
        try:
            js = nc.jetstream(timeout=2)
            sub = await js.pull_subscribe_bind(durable="adapter-keyed", stream=subjects.JOBS_STREAM)
            with pytest.raises((nats.errors.TimeoutError, nats.js.errors.APIError, TimeoutError)):
                await sub.fetch(1, timeout=2)
        finally:
            await nc.close()

    async def test_adapter_cannot_publish_another_models_results_or_submit_runs(self, secured: Harness) -> None:
        """Publishing outside the adapter's subjects is a permissions violation the server reports."""
        assert secured.nats is not None
        errors: list[str] = []

        async def on_error(exc: Exception) -> None:
            errors.append(str(exc))

        nc = await nats.connect(secured.nats.url, user="adapter-sim-deepseek",
                                password=secured.credentials["adapter-sim-deepseek"], error_cb=on_error,
                                allow_reconnect=False)
        try:
            await nc.publish(subjects.result_subject("keyed"), b"{}")
            await nc.publish(subjects.SUBMIT, b"{}")
            await nc.flush()
            await asyncio.sleep(0.3)
        finally:
            await nc.close()
        violations = [e for e in errors if "permissions violation" in e.lower()]
        assert len(violations) >= 2, errors

    async def test_adapter_cannot_read_reports(self, secured: Harness, secured_client: BrandlensClient) -> None:
        """A stored report is not readable with an adapter's credentials."""
        assert secured.nats is not None
        accepted = await secured_client.submit({"brand": {"name": "欧派"}, "questions": ["全屋定制品牌哪家好"],
                                                "models": ["sim-deepseek"], "deadline_s": 30})
        await secured_client.wait(accepted.run_id, timeout_s=30)
        assert await secured_client.report_bytes(accepted.run_id)
        nc = await connect(secured.settings("adapter-sim-deepseek"), "intruder", url=secured.nats.url)
        try:
            js = nc.jetstream(timeout=2)
            with pytest.raises((nats.errors.TimeoutError, TimeoutError)):
                store = await js.object_store(subjects.REPORTS_STORE)
                await store.get(accepted.run_id)
        finally:
            await nc.close()
