"""Connecting to NATS and declaring the JetStream topology.

Every service calls ``connect`` and ``ensure_topology`` at start: declarations are idempotent,
so any service can come up first, and an operator can read the whole layout here (it is also
drawn in docs/architecture.md).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable
from typing import Any

import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import (
    DiscardPolicy,
    KeyValueConfig,
    ObjectMeta,
    ObjectMetaOptions,
    ObjectStoreConfig,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.object_store import ObjectStore

from shared import subjects
from shared.config import Settings
from shared.logging import get_logger

log = get_logger("brandlens.bus")


class BusUnavailable(ConnectionError):
    """NATS could not be reached within the connect deadline."""


async def connect(
    settings: Settings,
    name: str,
    *,
    url: str | None = None,
    first_connect_timeout_s: float = 10.0,
    on_reconnect: Callable[[], Awaitable[None]] | None = None,
    on_error: Callable[[Exception], None] | None = None,
) -> Client:
    """Connect with a bounded first attempt, then reconnect forever.

    nats-py's first connect retries for about two minutes even with reconnects disabled, so
    the first attempt is bounded here; once connected a service rides out server restarts
    (the fault suite kills nats-server and expects every service to come back by itself).
    """
    target = url or settings.nats_url
    if not target:
        raise BusUnavailable("no NATS URL: set NATS_URL or start the stack with `brandlens up`")

    async def _error_cb(exc: Exception) -> None:
        # A permissions violation names the subject only (never a credential): worth logging.
        denied = permission_denial(exc)
        log.warning("nats_error", error=type(exc).__name__, **({"denied": denied} if denied else {}))
        if on_error is not None:
            on_error(exc)

    holder: list[Client] = []

    async def _disconnected_cb() -> None:
        # Closing or draining also disconnects: only an unexpected loss is worth a warning.
        if holder and (holder[0].is_closed or holder[0].is_draining):
            return
        log.warning("nats_disconnected")

    async def _reconnected_cb() -> None:
        log.info("nats_reconnected")
        if on_reconnect is not None:
            await on_reconnect()

    options: dict[str, Any] = {
        "servers": [s.strip() for s in target.split(",") if s.strip()],
        "name": name,
        "connect_timeout": 2,
        "reconnect_time_wait": 0.5,
        "max_reconnect_attempts": -1,
        "error_cb": _error_cb,
        "disconnected_cb": _disconnected_cb,
        "reconnected_cb": _reconnected_cb,
        # Outgoing messages are buffered while reconnecting instead of failing at once.
        "pending_size": 64 * 1024 * 1024,
    }
    if settings.nats_creds:
        options["user_credentials"] = settings.nats_creds
    elif settings.nats_user:
        options["user"] = settings.nats_user
        options["password"] = settings.nats_password or ""
    if settings.nats_tls_ca:
        options["tls"] = ssl.create_default_context(cafile=settings.nats_tls_ca)
    try:
        async with asyncio.timeout(first_connect_timeout_s):
            nc = await nats.connect(**options)
    except (TimeoutError, OSError, nats.errors.Error) as exc:
        raise BusUnavailable(f"cannot reach NATS at {target}: {type(exc).__name__}") from None
    holder.append(nc)
    return nc


def permission_denial(exc: BaseException) -> str | None:
    """The server's `Permissions Violation for Publish to "x"` (nats-py lowercases it), else None.

    The server refuses the operation with an asynchronous -ERR and the request simply goes
    unanswered, so a caller that wants a clear error instead of a timeout watches for this."""
    text = str(exc)
    marker = "permissions violation for "
    at = text.find(marker)
    return text[at + len(marker):].strip().strip("'") if at >= 0 else None


def _stream(settings: Settings, name: str, subject: str, description: str, **overrides: Any) -> StreamConfig:
    """File storage, configured replicas and retention for every stream; the rest per stream."""
    config: dict[str, Any] = {
        "name": name, "description": description, "subjects": [subject], "storage": StorageType.FILE,
        "num_replicas": settings.replicas, "max_age": settings.retention_s,
        "retention": RetentionPolicy.WORK_QUEUE,
    }
    config.update(overrides)
    return StreamConfig(**config)


def _streams(settings: Settings) -> list[StreamConfig]:
    deduped = {"duplicate_window": settings.dedupe_window_s, "allow_direct": True}
    return [
        # allow_direct: `nats stream view` and direct gets (the MaxDeliver handler reads jobs back).
        _stream(settings, subjects.JOBS_STREAM, subjects.JOBS_WILDCARD,
                "Per-cell jobs, one subject per model; each job is removed once acked", **deduped),
        _stream(settings, subjects.RESULTS_STREAM, subjects.RESULTS_WILDCARD,
                "One result envelope per cell attempt; removed once the aggregator stored it", **deduped),
        # Progress is a gauge: late subscribers need the latest values, not every tick.
        _stream(settings, subjects.EVENTS_STREAM, subjects.EVENTS_WILDCARD, "Progress and completion events per run",
                retention=RetentionPolicy.LIMITS, max_msgs_per_subject=20, discard=DiscardPolicy.OLD,
                allow_direct=True),
        _stream(settings, subjects.ADVISORIES_STREAM, subjects.max_deliveries_advisory(),
                "MaxDeliver advisories for jobs, kept until the aggregator records the cell"),
    ]


async def _ensure_stream(js: JetStreamContext, config: StreamConfig) -> None:
    # Look before creating: a service with narrow permissions (an adapter) may read stream info
    # but not create streams, and must still start when the streams exist.
    try:
        info = await js.stream_info(config.name or "")
    except nats.js.errors.NotFoundError:
        await js.add_stream(config)
        return
    current = info.config
    # The server fills a 0 duplicate window with its 2-minute default: only compare what we set.
    wanted_window = config.duplicate_window or current.duplicate_window
    if (current.max_age, current.duplicate_window, current.num_replicas) != (
        config.max_age, wanted_window, config.num_replicas
    ):
        try:
            # E.g. retention days changed: bring the stream up to date.
            await js.update_stream(config)
        except (nats.js.errors.Error, nats.errors.Error) as exc:
            log.warning("stream_update_refused", stream=config.name, error=type(exc).__name__)


def _bucket_configs(settings: Settings) -> list[KeyValueConfig]:
    file = StorageType.FILE
    common = {"storage": file, "replicas": settings.replicas, "history": 1, "direct": True}
    return [
        KeyValueConfig(bucket=subjects.RUNS_BUCKET, description="Run state, key = run id",
                       ttl=settings.retention_s, **common),  # type: ignore[arg-type]
        KeyValueConfig(bucket=subjects.CELLS_BUCKET,
                       description="One record per cell, key = <run id>.<cell id>, written create-only",
                       ttl=settings.retention_s, **common),  # type: ignore[arg-type]
        KeyValueConfig(bucket=subjects.JUDGEMENTS_BUCKET,
                       description="A judge's verdicts per cell, key = <run id>.<cell id>, written create-only",
                       ttl=settings.retention_s, **common),  # type: ignore[arg-type]
        KeyValueConfig(bucket=subjects.REQUESTS_BUCKET, description="request_id digest -> run id",
                       ttl=settings.retention_s, **common),  # type: ignore[arg-type]
        # Health is a heartbeat: an adapter that stops writing disappears after the TTL.
        KeyValueConfig(bucket=subjects.HEALTH_BUCKET, description="Adapter health per model",
                       ttl=30.0, **common),  # type: ignore[arg-type]
    ]


async def ensure_topology(js: JetStreamContext, settings: Settings) -> None:
    for stream in _streams(settings):
        await _ensure_stream(js, stream)
    for bucket in _bucket_configs(settings):
        try:
            await js.key_value(bucket.bucket)
        except nats.js.errors.BucketNotFoundError:
            await js.create_key_value(bucket)
    try:
        await js.object_store(subjects.REPORTS_STORE)
    except nats.js.errors.BucketNotFoundError:
        await js.create_object_store(
            subjects.REPORTS_STORE,
            config=ObjectStoreConfig(
                description="Finished reports (JSON), key = run id",
                ttl=settings.retention_s, storage=StorageType.FILE, replicas=settings.replicas,
            ),
        )


# A 10,000-cell report is ~32 MB of JSON. nats-py's object store publishes one chunk at a time
# and waits for each PubAck: at its default 128 KiB that was 256 round trips at the end of every
# such run (0.2-0.3 s of its ending). 512 KiB chunks cut that 4x and stay under the 1 MB
# max_payload a stock nats-server allows, so a report can be stored on any user's cluster.
REPORT_CHUNK_BYTES = 512 * 1024


async def put_report(store: ObjectStore, run_id: str, body: bytes) -> None:
    """Store a run's report (replacing the previous one, which readers see until this completes)."""
    meta = ObjectMeta(name=run_id, options=ObjectMetaOptions(max_chunk_size=REPORT_CHUNK_BYTES))
    await store.put(run_id, body, meta=meta)


async def wait_for_topology(nc: Client, settings: Settings, timeout_s: float = 60.0) -> None:
    """Declare the topology, or wait for it: a least-privilege service (an adapter) may not
    create streams and starts once the dispatcher or aggregator has declared them."""
    # A denied request is never answered: a short timeout keeps the wait responsive.
    js = nc.jetstream(timeout=2)
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        try:
            await ensure_topology(js, settings)
            return
        except (nats.errors.TimeoutError, nats.js.errors.APIError) as exc:
            if asyncio.get_running_loop().time() > deadline:
                raise
            log.info("waiting_for_topology", error=type(exc).__name__)
            await asyncio.sleep(0.5)


async def kv_keys(js: JetStreamContext, bucket: str, pattern: str = ">") -> list[str]:
    """Keys matching a subject-style pattern (``<run>.>``), read server-side.

    nats-py's ``KeyValue.keys(filters=...)`` filters by substring, so ``"<run>.>"`` matches
    nothing; and a KV watch can end before its first entries arrive (nats-py signals "no more
    initial values" when the server has sent them all but the client has not yet read them), so
    the keys come from the bucket stream's per-subject state instead. A deleted key's tombstone
    still counts: use this on buckets whose keys are never deleted (cells, runs, requests).
    """
    # The bucket's stream and subject prefix as the KV design (ADR-8) names them: KeyValue has no
    # public accessors for them, and its private ones change between nats-py releases.
    prefix = f"$KV.{bucket}."
    info = await js.stream_info(f"KV_{bucket}", subjects_filter=prefix + pattern)
    return sorted(subject.removeprefix(prefix) for subject in (info.state.subjects or {}))
