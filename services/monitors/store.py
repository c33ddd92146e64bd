"""Where monitors live: records in KV, ADR-51 schedule definitions and fired messages in a stream.

- ``brandlens_monitors``: key = monitor id, value = MonitorRecord (no TTL: a monitor lasts until
  deleted);
- ``brandlens_monitor_runs``: key = ``<monitor>.<slot>``, value = MonitorRun, created create-only so
  a slot is recorded once whoever sees it first; TTL = the run retention (BRANDLENS_RETENTION_DAYS);
- ``BRANDLENS_SCHEDULES`` with ``allow_msg_schedules``: ``brandlens.schedules.<monitor>`` holds the
  definition (one per subject, the server rolls older ones up), ``brandlens.fired.<monitor>`` what
  it fires (the last 50 per monitor kept; the consumer acks them).
nats-py 2.16's StreamConfig has no ``allow_msg_schedules`` field, so the stream is created with
raw JSON on ``$JS.API.STREAM.CREATE`` (measured in tests/monitors/test_nats_schedules.py).
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable

import msgspec
import nats.js.errors
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig, StorageType
from nats.js.kv import KeyValue

from shared import subjects
from shared.config import Settings
from shared.contracts import encode
from shared.monitoring.alert_types import Alert
from shared.monitoring.spec import MonitorSpec

FIRED_KEPT_PER_MONITOR = 50
# Compare-and-set attempts before giving up; each conflict means another writer succeeded.
CAS_ATTEMPTS = 50


class MonitorRecord(msgspec.Struct, kw_only=True):
    id: str
    spec: MonitorSpec
    paused: bool = False
    created_at: float
    # The newest slot a run was submitted for: the reference for "which slots were missed".
    last_slot: str | None = None
    # Alerts raised on its runs, oldest first (services/monitors/alerting.py keeps the newest 200).
    alerts: list[Alert] = []


class MonitorRun(msgspec.Struct, kw_only=True):
    """One slot of a monitor; the shape shared.monitoring.trend reads (run_id, slot, status)."""

    run_id: str | None
    slot: str
    # submitted | missed | <the run's status once known: running, complete, partial, failed...>
    status: str
    trigger: str = "schedule"  # schedule | catch-up | run-now


record_decoder = msgspec.json.Decoder(MonitorRecord)
run_decoder = msgspec.json.Decoder(MonitorRun)


class RecordContended(RuntimeError):
    """The record changed under every attempt: the caller's work is retried later (redelivery)."""


async def update_record(monitors: KeyValue, monitor_id: str,
                        change: Callable[[MonitorRecord], bool]) -> MonitorRecord | None:
    """Change a monitor record without overwriting anyone else's change: the one way to write it.

    Several writers touch one record: pause/resume (the endpoints), the newest slot (each fired
    message), the alerts (alerting.py), in any replica. A plain put of a record read earlier would
    drop whatever another writer stored meanwhile (an alert appended while a pause was in flight),
    so each write is an update conditioned on the revision read, and on a conflict the change is
    re-applied to the fresh record. ``change`` edits the record in place and returns False when
    nothing needs writing. Returns the record as stored, or None when the monitor is gone.
    """
    for attempt in range(CAS_ATTEMPTS):
        try:
            entry = await monitors.get(monitor_id)
        except (nats.js.errors.KeyNotFoundError, nats.js.errors.KeyDeletedError):
            return None
        if not entry.value:
            return None
        record = record_decoder.decode(entry.value)
        if not change(record):
            return record
        try:
            await monitors.update(monitor_id, encode(record), last=entry.revision)
            return record
        except nats.js.errors.KeyWrongLastSequenceError:
            # Lost the race: back off a little (randomised, so two losers do not collide again).
            await asyncio.sleep(random.uniform(0, 0.005 * (attempt + 1)))
    raise RecordContended(f"monitor {monitor_id} record kept changing over {CAS_ATTEMPTS} attempts")


async def ensure_monitor_topology(nc: Client, js: JetStreamContext, settings: Settings) -> None:
    try:
        await js.stream_info(subjects.SCHEDULES_STREAM)
        exists = True
    except nats.js.errors.NotFoundError:
        exists = False
    if not exists:
        config = {
            "name": subjects.SCHEDULES_STREAM,
            "description": "ADR-51 schedule definitions per monitor and the messages they fire",
            "subjects": [subjects.SCHEDULES_WILDCARD, subjects.FIRED_WILDCARD],
            "storage": "file", "num_replicas": settings.replicas, "retention": "limits",
            # No max_age: it would expire the definitions themselves.
            "max_msgs_per_subject": FIRED_KEPT_PER_MONITOR, "discard": "old",
            "allow_msg_schedules": True, "allow_direct": True,
        }
        reply = await nc.request(f"$JS.API.STREAM.CREATE.{subjects.SCHEDULES_STREAM}",
                                 json.dumps(config).encode(), timeout=10)
        body = json.loads(reply.data)
        error = body.get("error")
        # 10058: a concurrent replica created it first with the same config.
        if error and error.get("err_code") != 10058:
            raise RuntimeError(f"cannot create {subjects.SCHEDULES_STREAM}: {error.get('description')}")
    common = {"storage": StorageType.FILE, "replicas": settings.replicas, "history": 1, "direct": True}
    for bucket, description, ttl in (
        (subjects.MONITORS_BUCKET, "Monitors, key = monitor id", None),
        (subjects.MONITOR_RUNS_BUCKET, "One record per monitor slot, key = <monitor>.<slot>", settings.retention_s),
    ):
        try:
            await js.key_value(bucket)
        except nats.js.errors.BucketNotFoundError:
            await js.create_key_value(KeyValueConfig(bucket=bucket, description=description, ttl=ttl,
                                                     **common))  # type: ignore[arg-type]
