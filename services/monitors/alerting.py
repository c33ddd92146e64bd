"""Judging each monitor run when it ends: alerts on the record, on the bus, and to the webhook.

Why here and not in the aggregator: the aggregator knows nothing of monitors, and the monitors
service already owns their records and history. It learns that a run ended from the completion
event the aggregator publishes (``brandlens.events.<run>.completed``, kept in BRANDLENS_EVENTS)
through one durable consumer shared by every replica, so each ending is judged once, and a
monitors service that was down judges the endings it missed when it comes back. No timers.

For a run of a monitor (request_id ``<monitor>.<slot>``) it loads the cells of the monitor's
ended runs up to this one, runs shared.monitoring.alerts.evaluate, and for each new alert:
1. publishes it on ``brandlens.alerts.<monitor>`` into BRANDLENS_ALERTS with ``Nats-Msg-Id`` = the
   alert id (the stream's duplicate window drops a republish);
2. appends it to the monitor record (store.update_record, compare-and-set; the alert id is stable, so a redelivered
   event adds nothing twice) — ``monitor show`` lists them;
3. POSTs it to the spec's webhook in a background task: a slow or failing receiver never holds
   up the event, the next run, or the service's shutdown beyond its bounded attempts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import msgspec
import nats.errors
import nats.js.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.kv import KeyValue

from services.monitors import webhook
from services.monitors.pull import pull_forever
from services.monitors.store import MonitorRecord, MonitorRun, record_decoder, update_record
from shared import subjects
from shared.bus import kv_keys
from shared.config import Settings
from shared.contracts import CellRecord, cell_decoder, encode, event_decoder, run_decoder
from shared.logging import get_logger
from shared.monitoring.alert_settings import alert_settings
from shared.monitoring.alert_types import Alert
from shared.monitoring.alerts import evaluate, history_needed
from shared.monitoring.outcomes import RunOutcomes, run_outcomes

log = get_logger("brandlens.monitors.alerts")

# Alerts kept on a monitor record (newest); the stream keeps every one until its retention.
KEPT_ON_RECORD = 200
ENDED = ("complete", "partial", "failed", "cancelled")


async def ensure_alerts_stream(js: JetStreamContext, settings: Settings) -> None:
    """Create BRANDLENS_ALERTS once (any replica; a concurrent create with the same config is fine)."""
    try:
        await js.stream_info(subjects.ALERTS_STREAM)
        return
    except nats.js.errors.NotFoundError:
        pass
    config = StreamConfig(
        name=subjects.ALERTS_STREAM, description="Monitor alerts, one subject per monitor",
        subjects=[subjects.ALERTS_WILDCARD], retention=RetentionPolicy.LIMITS, storage=StorageType.FILE,
        num_replicas=settings.replicas, max_age=settings.retention_s, duplicate_window=settings.dedupe_window_s,
        allow_direct=True,
    )
    try:
        await js.add_stream(config)
    except nats.js.errors.BadRequestError:
        await js.stream_info(subjects.ALERTS_STREAM)  # created meanwhile by another replica


class Alerting:
    def __init__(self, js: JetStreamContext, monitors: KeyValue, settings: Settings,
                 runs_of: Callable[[str], Awaitable[list[MonitorRun]]]) -> None:
        self.js = js
        self.monitors = monitors
        self.settings = settings
        self.runs_of = runs_of
        self.raised = 0
        self._task: asyncio.Task[None] | None = None
        self._deliveries: set[asyncio.Task[bool]] = set()

    async def start(self) -> None:
        await ensure_alerts_stream(self.js, self.settings)
        sub = await self.js.pull_subscribe(
            subjects.COMPLETED_WILDCARD, durable=subjects.MONITORS_COMPLETED_CONSUMER,
            stream=subjects.EVENTS_STREAM,
            # NEW: when the consumer is first made, older runs are history, not news.
            config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, ack_wait=120, max_deliver=10,
                                  deliver_policy=DeliverPolicy.NEW),
        )
        self._task = asyncio.create_task(pull_forever(sub, self._on_message, "completed", 2.0))

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        for task in list(self._deliveries):
            task.cancel()
        await asyncio.gather(*self._deliveries, return_exceptions=True)

    async def _on_message(self, msg: Msg) -> None:
        try:
            event = event_decoder.decode(msg.data)
            await self.on_run_ended(getattr(event, "run_id", ""))
        except Exception as exc:  # noqa: BLE001 - one bad event must not stop judging the others
            log.error("alerts_failed", error=type(exc).__name__, detail=str(exc)[:200])
            await msg.nak(delay=2)
            return
        await msg.ack()

    async def on_run_ended(self, run_id: str) -> list[Alert]:
        runs_kv = await self.js.key_value(subjects.RUNS_BUCKET)
        try:
            run = run_decoder.decode((await runs_kv.get(run_id)).value or b"")
        except (nats.js.errors.KeyNotFoundError, nats.js.errors.KeyDeletedError):
            return []
        request_id = run.request.request_id or ""
        monitor_id = request_id.split(".", 1)[0]
        if "." not in request_id or not monitor_id.isalnum():
            return []  # not a monitor's run
        record = await self._record(monitor_id)
        if record is None:
            return []
        settings = alert_settings(record.spec.alerts)
        history = [r for r in await self.runs_of(monitor_id) if r.run_id and r.status in ENDED]
        ids = [r.run_id for r in history]
        if run_id not in ids:
            return []
        # The runs up to this one: enough for a window and its baseline (coverage-low ones skipped).
        upto = history[: ids.index(run_id) + 1][-history_needed(settings):]
        outcomes = [await self._outcomes(r) for r in upto]
        alerts = evaluate(monitor_id, outcomes, settings, record.alerts)
        known = {a.id for a in record.alerts}
        # Published before stored: a crash in between republishes on redelivery, and the stream
        # drops the duplicate (Nats-Msg-Id); stored first, a crash would lose the publish.
        for alert in alerts:
            if alert.id not in known:
                await self.js.publish(subjects.alerts_subject(monitor_id), encode(alert),
                                      stream=subjects.ALERTS_STREAM, headers={"Nats-Msg-Id": alert.id})
        fresh = await self.store_alerts(monitor_id, alerts)
        for alert in fresh:
            self.raised += 1
            log.info("alert_raised", monitor=monitor_id, kind=alert.kind, brand=alert.brand, model=alert.model,
                     run_id=run_id)
            if settings.webhook:
                task = asyncio.create_task(webhook.deliver(settings.webhook, encode(alert),
                                                           settings.webhook_secret_env))
                self._deliveries.add(task)
                task.add_done_callback(self._deliveries.discard)
        return fresh

    async def _record(self, monitor_id: str) -> MonitorRecord | None:
        try:
            entry = await self.monitors.get(monitor_id)
        except (nats.js.errors.KeyNotFoundError, nats.js.errors.KeyDeletedError):
            return None
        return record_decoder.decode(entry.value) if entry.value else None

    async def _outcomes(self, run: MonitorRun) -> RunOutcomes:
        assert run.run_id is not None
        runs_kv = await self.js.key_value(subjects.RUNS_BUCKET)
        cells_kv = await self.js.key_value(subjects.CELLS_BUCKET)
        request = run_decoder.decode((await runs_kv.get(run.run_id)).value or b"").request
        cells: list[CellRecord] = []
        for key in await kv_keys(self.js, subjects.CELLS_BUCKET, f"{run.run_id}.>"):
            try:
                cells.append(cell_decoder.decode((await cells_kv.get(key)).value or b""))
            except (nats.js.errors.KeyNotFoundError, nats.js.errors.KeyDeletedError, msgspec.DecodeError):
                continue
        return run_outcomes(run.run_id, run.slot, request.brand.name, [c.name for c in request.competitors], cells)

    async def store_alerts(self, monitor_id: str, alerts: list[Alert]) -> list[Alert]:
        """Append the alerts not yet on the record (compare-and-set); the ones actually added."""
        fresh: list[Alert] = []

        def append(record: MonitorRecord) -> bool:
            # Recomputed on every attempt: a concurrent replica may have stored some meanwhile.
            known = {a.id for a in record.alerts}
            fresh[:] = [a for a in alerts if a.id not in known]
            record.alerts = (record.alerts + fresh)[-KEPT_ON_RECORD:]
            return bool(fresh)

        # RecordContended propagates: the event is nak'ed and the alerts retried by redelivery.
        if await update_record(self.monitors, monitor_id, append) is None:
            return []  # deleted meanwhile
        return fresh
