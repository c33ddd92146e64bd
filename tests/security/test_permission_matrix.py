"""The permission matrix: for every role, what it must be able to do and what it must not.

A stack with per-role users (shared/auth.py, as `brandlens up` and compose run it). Each row is
one real operation run as one role against the real server: "allowed" means the server let
it through (it completed, whatever the service answered), "denied" means the server refused it
with a permissions violation — surfaced by shared/denials.py as PermissionDenied within
seconds, never as a hang. The documented recipes of docs/operations.md and docs/client.md are
rows of the `client` and `operator` columns (events by a JetStream consumer included).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import msgspec
import nats.errors
import nats.js.errors
import pytest
from nats.aio.client import Client
from nats.js.api import ConsumerConfig, DeliverPolicy, StreamConfig

from shared import subjects
from shared.bus import connect
from shared.client import BrandlensClient, PermissionDenied
from shared.denials import Denials
from tests.harness import REPO, Harness

MODELS = ["sim-deepseek", "sim-qwen"]
Op = Callable[[Client, "Ctx"], Awaitable[object]]


@dataclass
class Ctx:
    run_id: str


@pytest.fixture(scope="module")
def secured() -> Iterator[Harness]:
    harness = Harness(Path(tempfile.mkdtemp(prefix="brandlens-perm-")), auth=True)
    try:
        harness.start_stack(MODELS)
        yield harness
    finally:
        harness.close()


@pytest.fixture(scope="module")
async def ctx(secured: Harness) -> AsyncIterator[Ctx]:
    assert secured.nats is not None
    client = await BrandlensClient.connect(secured.nats.url, settings=secured.settings("client"))
    try:
        for _ in range(400):
            try:
                if set(MODELS) <= {m["model"] for m in await client.models() if m["ready"]}:
                    break
            except Exception:  # noqa: BLE001 - services still starting
                pass
            await asyncio.sleep(0.05)
        accepted = await client.submit({"brand": {"name": "欧派"}, "questions": ["全屋定制品牌哪家好"],
                                        "models": MODELS, "deadline_s": 60})
        await client.wait(accepted.run_id, timeout_s=60)
        yield Ctx(accepted.run_id)
    finally:
        await client.close()


# --- operations ------------------------------------------------------------------------------

def request(subject: str, body: bytes | Callable[[Ctx], bytes] = b"") -> Op:
    async def op(nc: Client, ctx: Ctx) -> object:
        payload = body(ctx) if callable(body) else body
        try:
            return await nc.request(subject, payload, timeout=4)
        except nats.errors.NoRespondersError:
            return None  # the server let the request through; nobody serves it
    return op


def publish(subject: str) -> Op:
    async def op(nc: Client, _ctx: Ctx) -> object:
        await nc.publish(subject, b"{}")
        await nc.flush()
        await asyncio.sleep(0.3)  # the server's -ERR arrives after the flush
        return None
    return op


def subscribe(subject: str) -> Op:
    async def op(nc: Client, _ctx: Ctx) -> object:
        sub = await nc.subscribe(subject)
        await nc.flush()
        await asyncio.sleep(0.3)
        await sub.unsubscribe()
        return None
    return op


async def events_by_consumer(nc: Client, ctx: Ctx) -> object:
    """The run's events from the start through an ordered consumer (what a late subscriber uses)."""
    sub = await nc.jetstream(timeout=4).subscribe(subjects.run_events(ctx.run_id), ordered_consumer=True,
                                                  deliver_policy=DeliverPolicy.ALL, stream=subjects.EVENTS_STREAM)
    try:
        while True:
            msg = await sub.next_msg(timeout=4)
            if msg.subject == subjects.completed_subject(ctx.run_id):
                return msg
    finally:
        await sub.unsubscribe()


async def events_by_pull(nc: Client, ctx: Ctx) -> object:
    """An ephemeral pull consumer filtered by run, as JetStream clients in other languages use."""
    sub = await nc.jetstream(timeout=4).pull_subscribe(subjects.run_events(ctx.run_id), stream=subjects.EVENTS_STREAM,
                                                       config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL))
    try:
        return await sub.fetch(1, timeout=4)
    finally:
        await sub.unsubscribe()


async def consume_jobs(nc: Client, _ctx: Ctx, model: str = "sim-qwen") -> object:
    sub = await nc.jetstream(timeout=4).pull_subscribe_bind(durable=subjects.adapter_consumer(model),
                                                            stream=subjects.JOBS_STREAM)
    try:
        return await sub.fetch(1, timeout=2)
    except (nats.errors.TimeoutError, TimeoutError):
        return None  # allowed, the queue is just empty
    finally:
        await sub.unsubscribe()


async def ephemeral_on_jobs(nc: Client, _ctx: Ctx) -> object:
    return await nc.jetstream(timeout=4).add_consumer(subjects.JOBS_STREAM, ConsumerConfig(
        filter_subject=subjects.job_subject("sim-qwen")))


def kv_get(bucket: str, key: Callable[[Ctx], str]) -> Op:
    async def op(nc: Client, ctx: Ctx) -> object:
        kv = await nc.jetstream(timeout=4).key_value(bucket)
        try:
            return await kv.get(key(ctx))
        except nats.js.errors.KeyNotFoundError:
            return None
    return op


async def kv_watch_health(nc: Client, _ctx: Ctx) -> object:
    kv = await nc.jetstream(timeout=4).key_value(subjects.HEALTH_BUCKET)
    watcher = await kv.watchall()
    try:
        return await watcher.updates(timeout=4)  # type: ignore[no-untyped-call]  # nats-py leaves it unannotated
    finally:
        await watcher.stop()  # type: ignore[no-untyped-call]  # nats-py leaves it unannotated


async def kv_put_run(nc: Client, ctx: Ctx) -> object:
    kv = await nc.jetstream(timeout=4).key_value(subjects.RUNS_BUCKET)
    return await kv.put(ctx.run_id, b"{}")


async def report_object(nc: Client, ctx: Ctx) -> object:
    store = await nc.jetstream(timeout=4).object_store(subjects.REPORTS_STORE)
    return await store.get(ctx.run_id)


async def put_report_object(nc: Client, ctx: Ctx) -> object:
    store = await nc.jetstream(timeout=4).object_store(subjects.REPORTS_STORE)
    return await store.put(ctx.run_id, b"{}")


def stream_admin(action: str, stream: str) -> Op:
    async def op(nc: Client, _ctx: Ctx) -> object:
        js = nc.jetstream(timeout=4)
        if action == "delete":
            return await js.delete_stream(stream)
        if action == "purge":
            return await js.purge_stream(stream)
        if action == "create":
            return await js.add_stream(StreamConfig(name=stream, subjects=["scratch.>"]))
        return await js.stream_info(stream)
    return op


def direct_get_job(nc: Client, _ctx: Ctx) -> Awaitable[object]:
    return nc.request(f"$JS.API.DIRECT.GET.{subjects.JOBS_STREAM}", b'{"seq": 1}', timeout=4)


OPS: dict[str, Op] = {
    "submit a run": request(subjects.SUBMIT, b"{}"),
    "run status": request(subjects.STATUS, lambda c: c.run_id.encode()),
    "report by request": request(subjects.REPORT, lambda c: msgspec.json.encode({"run_id": c.run_id})),
    "list models": request(subjects.MODELS),
    "list runs": request(subjects.RUNS_LIST, b'{"limit": 5}'),
    "micro discovery": request("$SRV.PING"),
    "adapter health on demand": request(subjects.health_subject("sim-qwen")),
    "events by ordered consumer": events_by_consumer,
    "events by ephemeral pull consumer": events_by_pull,
    "core events subscription": subscribe(f"{subjects.PREFIX}.events.>"),
    "read a run from KV": kv_get(subjects.RUNS_BUCKET, lambda c: c.run_id),
    "read a cell from KV": kv_get(subjects.CELLS_BUCKET, lambda c: subjects.cell_key(c.run_id, "q1.s1.sim-qwen")),
    "watch adapter health": kv_watch_health,
    "read the report object": report_object,
    "overwrite a run in KV": kv_put_run,
    "write a report object": put_report_object,
    "fetch sim-qwen's jobs": consume_jobs,
    "ephemeral consumer on jobs": ephemeral_on_jobs,
    "peek at a job (direct get)": direct_get_job,
    "subscribe to jobs": subscribe(subjects.JOBS_WILDCARD),
    "publish a sim-qwen job": publish(subjects.job_subject("sim-qwen")),
    "publish a sim-qwen result": publish(subjects.result_subject("sim-qwen")),
    "publish a sim-deepseek result": publish(subjects.result_subject("sim-deepseek")),
    "delete the events stream": stream_admin("delete", subjects.EVENTS_STREAM),
    "purge the jobs stream": stream_admin("purge", subjects.JOBS_STREAM),
    "create a stream": stream_admin("create", "SCRATCH"),
    "events stream info": stream_admin("info", subjects.EVENTS_STREAM),
}

ALLOW, DENY = True, False
# role -> operation -> must it be allowed? Rows not listed for a role are not part of its contract.
MATRIX: dict[str, dict[str, bool]] = {
    "client": {
        "submit a run": ALLOW, "run status": ALLOW, "report by request": ALLOW, "list models": ALLOW,
        "list runs": ALLOW, "micro discovery": ALLOW, "adapter health on demand": ALLOW,
        "events by ordered consumer": ALLOW, "events by ephemeral pull consumer": ALLOW,
        "core events subscription": ALLOW, "read a run from KV": ALLOW, "read a cell from KV": ALLOW,
        "watch adapter health": ALLOW, "read the report object": ALLOW, "events stream info": ALLOW,
        "overwrite a run in KV": DENY, "write a report object": DENY, "fetch sim-qwen's jobs": DENY,
        "ephemeral consumer on jobs": DENY, "peek at a job (direct get)": DENY, "subscribe to jobs": DENY,
        "publish a sim-qwen job": DENY, "publish a sim-qwen result": DENY, "delete the events stream": DENY,
        "purge the jobs stream": DENY, "create a stream": DENY,
    },
    "adapter-sim-deepseek": {
        "read a cell from KV": ALLOW, "publish a sim-deepseek result": ALLOW, "micro discovery": ALLOW,
        "submit a run": DENY, "report by request": DENY, "run status": DENY, "read the report object": DENY,
        "read a run from KV": DENY, "fetch sim-qwen's jobs": DENY, "ephemeral consumer on jobs": DENY,
        "publish a sim-qwen result": DENY, "publish a sim-qwen job": DENY, "subscribe to jobs": DENY,
        "events by ordered consumer": DENY, "core events subscription": DENY, "delete the events stream": DENY,
        "purge the jobs stream": DENY, "create a stream": DENY, "overwrite a run in KV": DENY,
    },
    "dispatcher": {
        "events stream info": ALLOW, "read a run from KV": ALLOW,
        "delete the events stream": DENY, "purge the jobs stream": DENY,
    },
    # Monitors purge their own schedule definitions (pause/delete) and nothing else.
    "monitors": {
        "read a run from KV": ALLOW, "submit a run": ALLOW,
        "delete the events stream": DENY, "purge the jobs stream": DENY,
    },
    "aggregator": {
        "read the report object": ALLOW, "read a cell from KV": ALLOW,
        "delete the events stream": DENY, "purge the jobs stream": DENY,
    },
    "simulator": {
        "submit a run": DENY, "core events subscription": DENY, "publish a sim-qwen result": DENY,
        "read a run from KV": DENY,
    },
    "operator": {
        "events by ordered consumer": ALLOW, "peek at a job (direct get)": ALLOW, "fetch sim-qwen's jobs": ALLOW,
        "read the report object": ALLOW, "events stream info": ALLOW, "watch adapter health": ALLOW,
    },
}
CASES = [(role, name, allowed) for role, rows in MATRIX.items() for name, allowed in rows.items()]


async def outcome(secured: Harness, role: str, op: Op, ctx: Ctx) -> str:
    """"allowed", "denied" (the server's permissions violation), or why neither."""
    assert secured.nats is not None
    denials = Denials(role)
    nc = await connect(secured.settings(role), f"matrix-{role}", url=secured.nats.url, on_error=denials.on_error)
    try:
        async with asyncio.timeout(15):  # a bound on the test, not a measurement
            await denials.guard(op(nc, ctx))
        return "allowed"
    except PermissionDenied:
        return "denied"
    except Exception as exc:  # noqa: BLE001 - reported as the outcome
        return f"{type(exc).__name__}: {exc}"
    finally:
        await nc.close()


class TestPermissionMatrix:
    @pytest.mark.parametrize(("role", "name", "allowed"), CASES, ids=[f"{r}: {n}" for r, n, _ in CASES])
    async def test_role_may_or_may_not(self, secured: Harness, ctx: Ctx, role: str, name: str, allowed: bool) -> None:
        """Each cell of the matrix: the server allows or refuses this operation for this role."""
        got = await outcome(secured, role, OPS[name], ctx)
        assert got == ("allowed" if allowed else "denied"), f"{role} / {name}: {got}"


class TestDeniedIsAClearError:
    async def test_python_client_raises_permission_denied_instead_of_hanging(self, secured: Harness) -> None:
        """BrandlensClient as an adapter's user: submit raises PermissionDenied naming the user and the
        subject, well before its 30 s request timeout."""
        assert secured.nats is not None
        client = await BrandlensClient.connect(secured.nats.url, settings=secured.settings("adapter-sim-deepseek"),
                                               timeout_s=30)
        try:
            async with asyncio.timeout(10):
                with pytest.raises(PermissionDenied) as caught:
                    await client.submit({"brand": {"name": "欧派"}, "questions": ["q"], "models": ["sim-qwen"]})
                with pytest.raises(PermissionDenied):
                    async for _event in client.events("r00000000000000deadbeef"):
                        pass
        finally:
            await client.close()
        assert "adapter-sim-deepseek" in str(caught.value) and subjects.SUBMIT in str(caught.value)

    async def test_cli_prints_one_clear_line_and_exits_3(self, secured: Harness) -> None:
        """`brandlens models` as an adapter's user: exit 3, stderr says which user may not publish where."""
        assert secured.nats is not None
        env = {**os.environ, "NATS_URL": secured.nats.url, **secured.role_env("adapter-sim-deepseek")}
        result = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "services.cli", "models"], env=env,
                                         cwd=REPO, capture_output=True, text=True, timeout=30, check=False)
        assert result.returncode == 3, result.stdout + result.stderr
        assert "adapter-sim-deepseek" in result.stderr and "not allowed to publish" in result.stderr
        assert subjects.MODELS in result.stderr
