"""One model's adapter: a durable pull consumer, bounded concurrency, one HTTP client.

A job is acked only after its result is durably published (JetStream PubAck), so a crash at
any point leaves the job to be redelivered; the result's ``Nats-Msg-Id`` and the aggregator's
create-only store make the redelivery harmless.

This module is the consumer's lifecycle and job handling; beside it are the model's health
rule (health), the result's publish and redelivery check (result_publish) and the process's
leak introspection (process_stats).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
from collections import deque
from typing import Any

import msgspec
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.kv import KeyValue
from structlog.contextvars import bound_contextvars

from services.adapter.caller import Caller
from services.adapter.health import model_health
from services.adapter.process_stats import event_loop_count, loop_kind, open_fd_count
from services.adapter.puller import JobPuller
from services.adapter.result_publish import already_stored, publish_result
from shared import subjects
from shared.bus import connect, wait_for_topology
from shared.catalogue import ModelSpec
from shared.config import Settings
from shared.contracts import ANSWERED, ModelHealth, encode, job_decoder
from shared.estimate import MIN_OBSERVED_CALLS
from shared.logging import get_logger
from shared.providers import make_http_client
from shared.service import MicroService

log = get_logger("brandlens.adapter")

HEARTBEAT_S = 5.0
LATENCY_WINDOW = 200


class AdapterService:
    def __init__(self, settings: Settings, spec: ModelSpec, *, grace_s: float = 10.0) -> None:
        self.settings = settings
        self.spec = spec
        self.grace_s = grace_s
        self.adapter_id = f"{socket.gethostname()}-{os.getpid()}"
        self.api_key = spec.api_key(dict(os.environ))
        self.missing_env = spec.missing_env(dict(os.environ))
        self.nc: Client | None = None
        self.js: JetStreamContext | None = None
        self.health_kv: KeyValue | None = None
        self.cells_kv: KeyValue | None = None
        self.judgements_kv: KeyValue | None = None
        self.caller: Caller | None = None
        self.micro: MicroService | None = None
        self._puller: JobPuller | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        # Jobs being worked on (by id: Msg is unhashable) with when JetStream last heard about them.
        self._working: dict[int, tuple[Msg, float]] = {}
        self._loops: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()
        self.completed = 0
        # Milliseconds of the last answered calls: the observed p50/p90 the dispatcher's estimates use.
        self._latencies: deque[float] = deque(maxlen=LATENCY_WINDOW)
        self.redeliveries = 0
        self._last_health: tuple[str, str, bool] = ("ready", "closed", False)

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        self.nc = await connect(self.settings, f"brandlens-adapter-{self.spec.name}", on_reconnect=self._reconnected)
        self.js = self.nc.jetstream(timeout=10)
        await wait_for_topology(self.nc, self.settings)
        self.health_kv = await self.js.key_value(subjects.HEALTH_BUCKET)
        self.cells_kv = await self.js.key_value(subjects.CELLS_BUCKET)
        self.judgements_kv = await self.js.key_value(subjects.JUDGEMENTS_BUCKET)
        self.micro = await MicroService(
            self.nc,
            "brandlens-adapter",
            f"Calls {self.spec.provider or 'the provider'} model {self.spec.model} for brandlens cells",
            metadata={
                "model": self.spec.name, "protocol": self.spec.protocol, "provider": self.spec.provider,
                "provider_model": self.spec.model, "adapter_id": self.adapter_id,
            },
            stats_data=self.stats,
        ).start()
        await self.micro.add_endpoint(
            "health", subjects.health_subject(self.spec.name), self._handle_health,
            request_type="empty", response_type="ModelHealth", queue_group=f"adapter-{self.spec.name}",
        )
        if self.missing_env:
            # Reported, not hidden: the model shows as not configured and takes no jobs.
            log.error("model_not_configured", model=self.spec.name, missing_env=self.missing_env)
        else:
            self.caller = Caller(
                self.spec, self.api_key,
                make_http_client(max_connections=self.spec.concurrency, timeout_s=self.spec.timeout_s),
                adapter_id=self.adapter_id,
            )
            await self._ensure_consumer()
            self._puller = JobPuller(self.nc, subjects.JOBS_STREAM, subjects.adapter_consumer(self.spec.name),
                                     self._free_slots, self._start_job)
            await self._puller.start()
            self._puller.top_up()
            self._loops.append(asyncio.create_task(self._keep_alive()))
        self._loops.append(asyncio.create_task(self._heartbeat()))
        await self._publish_health()
        log.info("adapter_ready", model=self.spec.name, concurrency=self.spec.concurrency,
                 configured=self.missing_env is None)

    async def _ensure_consumer(self) -> None:
        """Create the durable consumer, or update it to this process's settings (create-or-update:
        a stack upgraded from a longer AckWait gets the new one)."""
        assert self.js is not None
        config = ConsumerConfig(
            durable_name=subjects.adapter_consumer(self.spec.name),
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
            # Short, because a SIGKILLed adapter's jobs wait out exactly this before another adapter
            # gets them; a long call is kept alive by in-progress acks (_keep_alive), not by AckWait.
            ack_wait=self.settings.job_ack_wait_s,
            max_deliver=self.settings.max_deliver,
            # Room for every replica's in-flight jobs; each process asks only for its free slots.
            max_ack_pending=max(1000, self.spec.concurrency * 16),
            filter_subject=subjects.job_subject(self.spec.name),
        )
        await self.js.add_consumer(subjects.JOBS_STREAM, config)

    async def stop(self) -> None:
        """Stop fetching, let in-flight cells finish within the grace period, hand back the rest."""
        self._stopping.set()
        for task in self._loops:
            task.cancel()
        for task in self._loops:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._puller is not None:
            self._puller.stopping()
        if self._tasks:
            _done, pending = await asyncio.wait(self._tasks, timeout=self.grace_s)
            for task in pending:
                task.cancel()  # the handler naks its job so another replica takes it now
            if pending:
                await asyncio.wait(pending, timeout=5)
        # nc.drain() waits its whole timeout while a pull request's inbox is subscribed.
        if self._puller is not None:
            await self._puller.stop()
        if self.micro:
            await self.micro.stop()
        if self.caller is not None:
            await self.caller.client.aclose()
        if self.nc and not self.nc.is_closed:
            with contextlib.suppress(Exception):
                await self.nc.drain()

    async def _reconnected(self) -> None:
        # The server may have lost the open pull requests with the connection: ask again.
        if self._puller is not None:
            self._puller.reset()

    # --- health ---------------------------------------------------------------------------

    def health(self) -> ModelHealth:
        return model_health(
            self.spec, self.caller, missing_env=self.missing_env, latencies=self._latencies,
            in_flight=len(self._tasks), adapter_id=self.adapter_id,
        )

    def stats(self) -> dict[str, Any]:
        h = self.health()
        return {
            "model": self.spec.name, "state": h.state, "reason": h.reason, "breaker": h.breaker,
            "in_flight": h.in_flight, "concurrency": h.concurrency, "completed": self.completed,
            "redeliveries": self.redeliveries,
            "pull_requests": self._puller.pull_requests if self._puller else 0,
            "http_calls": self.caller.stats.http_calls if self.caller else 0,
            "by_status": dict(self.caller.stats.by_status) if self.caller else {},
            # Leak introspection for the fault suite and operators: back to idle after a run.
            "asyncio_tasks": len(asyncio.all_tasks()), "open_fds": open_fd_count(),
            "event_loops": event_loop_count(), "event_loop": loop_kind(),
        }

    async def _handle_health(self, _request: object) -> bytes:
        return encode(self.health())

    async def _publish_health(self) -> None:
        if self.health_kv is None:
            return
        try:
            await self.health_kv.put(self.spec.name, encode(self.health()))
        except Exception as exc:  # noqa: BLE001 - a missed heartbeat is retried in 5 s
            log.warning("health_publish_failed", error=type(exc).__name__)

    async def _publish_health_if_changed(self) -> None:
        # A latch or a breaker change must reach the dispatcher now, not at the next heartbeat:
        # it decides whether new requests for this model are accepted.
        current = self.health()
        # ...and so must the first observed latencies (time estimates), not 5 s later.
        key = (current.state, current.breaker, current.latency_samples >= MIN_OBSERVED_CALLS)
        if key != self._last_health:
            self._last_health = key
            await self._publish_health()

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_S)
            await self._publish_health()

    # --- consuming ------------------------------------------------------------------------

    def _free_slots(self) -> int:
        return self.spec.concurrency - len(self._tasks)

    def _start_job(self, msg: Msg) -> None:
        task = asyncio.create_task(self._handle(msg))
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if self._puller is not None and not self._stopping.is_set():
            self._puller.top_up()

    async def _keep_alive(self) -> None:
        # JetStream redelivers after AckWait; a long LLM call must say it is still working. One
        # loop for every in-flight job instead of a task per job: at thousands of cells per second
        # a task (and its timer) per job cost more than the jobs' own bookkeeping.
        interval = max(0.5, min(self.settings.job_ack_wait_s / 3, 10.0))
        while True:
            await asyncio.sleep(interval / 4)
            now = time.monotonic()
            if self._puller is not None:
                self._puller.expire_silent(now)
            for key, (msg, last) in list(self._working.items()):
                if now - last >= interval and key in self._working:
                    self._working[key] = (msg, now)
                    with contextlib.suppress(Exception):
                        await msg.in_progress()

    async def _handle(self, msg: Msg) -> None:
        try:
            job = job_decoder.decode(msg.data)
        except msgspec.DecodeError:
            log.error("job_undecodable", bytes=len(msg.data))
            await msg.term()
            return
        with bound_contextvars(run_id=job.run_id, cell_id=job.cell_id, model=job.model):
            self._working[id(msg)] = (msg, time.monotonic())
            try:
                delivered = msg.metadata.num_delivered
                if delivered > 1:
                    self.redeliveries += 1
                    assert self.cells_kv is not None and self.judgements_kv is not None
                    if await already_stored(self.cells_kv, self.judgements_kv, job):
                        log.info("redelivered_job_already_stored", delivered=delivered)
                        await msg.ack()
                        return
                assert self.caller is not None
                result = await self.caller.call(job)
                if result.status in ANSWERED and result.latency_ms is not None:
                    self._latencies.append(float(result.latency_ms))
                assert self.js is not None
                await publish_result(self.js, self.spec.name, result, self._stopping)
                await self._publish_health_if_changed()
                await msg.ack()
                self.completed += 1
                log.debug("cell_done", status=result.status, attempts=result.attempts)
            except asyncio.CancelledError:
                # Shutting down mid-call: hand the job back at once instead of after AckWait.
                with contextlib.suppress(Exception):
                    await msg.nak()
                raise
            except Exception as exc:
                log.error("job_failed", error=type(exc).__name__, exc_info=True)
                with contextlib.suppress(Exception):
                    await msg.nak(delay=1.0)
            finally:
                self._working.pop(id(msg), None)
