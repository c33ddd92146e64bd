"""The monitors micro service: monitors as data, scheduled by nats-server, each slot run once.

Why a service of its own (not inside the dispatcher): it holds no run state, can be replicated
freely and restarted independently; it turns fired schedule messages into ordinary submits, so
the dispatcher's request_id idempotency (create-only KV key per request_id) is what makes a slot
run once: ``request_id = <monitor>.<slot>``, whichever replica, redelivery or catch-up fire sends
it. No timers here: nats-server fires the schedules (ADR-51); this service only consumes them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
import time
from typing import Any

import msgspec
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig
from nats.js.kv import KeyValue
from nats.micro.request import Request

from services.monitors.alerting import Alerting
from services.monitors.pull import pull_forever
from services.monitors.store import (
    MonitorRecord,
    MonitorRun,
    ensure_monitor_topology,
    record_decoder,
    run_decoder,
    update_record,
)
from shared import subjects
from shared.bus import connect, kv_keys, wait_for_topology
from shared.catalogue import Catalogue
from shared.config import Settings
from shared.contracts import ErrorReply, FieldError, SubmitAccepted, accepted_decoder, encode, error_decoder
from shared.contracts import run_decoder as run_record_decoder
from shared.errors import ServiceUnavailable
from shared.logging import get_logger
from shared.monitoring.slots import Cron, CronStep, interval_slot, missed_between, parse_slot_key, slot_key
from shared.monitoring.spec import SpecInvalid, nats_schedule, parse_spec
from shared.monitoring.trend import build_trend, runs_to_read
from shared.service import MicroService, Reject

log = get_logger("brandlens.monitors")

_id_decoder = msgspec.json.Decoder(dict[str, Any])
# A submit that fails for lack of a dispatcher is retried by redelivery after this long.
RETRY_DELAY_S = 2.0


async def submit_request(nc: Client, payload: bytes) -> SubmitAccepted | ErrorReply:
    """Submit on the bus as any other service would (services do not import the client library).

    A rejection (4xx) comes back as the service's ErrorReply; no responder, no answer or a
    server-side failure (5xx) raises ServiceUnavailable, so the fired schedule message is
    redelivered rather than lost.
    """
    try:
        msg = await nc.request(subjects.SUBMIT, payload, timeout=60)
    except nats.errors.NoRespondersError:
        raise ServiceUnavailable(f"no service answers on {subjects.SUBMIT}") from None
    except nats.errors.TimeoutError:
        raise ServiceUnavailable(f"no answer on {subjects.SUBMIT} within 60s") from None
    if msg.headers and msg.headers.get("Nats-Service-Error-Code"):
        try:
            reply = error_decoder.decode(msg.data)
        except msgspec.DecodeError:
            reply = ErrorReply(code=int(msg.headers.get("Nats-Service-Error-Code") or 500), error="error",
                               message=msg.headers.get("Nats-Service-Error", ""))
        if reply.code >= 500:
            # The submit service failed, not the request: try the slot again later.
            raise ServiceUnavailable(f"submit failed ({reply.code}): {reply.message}"[:200])
        return reply
    return accepted_decoder.decode(msg.data)


def new_monitor_id() -> str:
    # A subject token and KV key: generated, never user text.
    return f"m{secrets.token_hex(6)}"


class Monitors:
    def __init__(self, settings: Settings, catalogue: Catalogue) -> None:
        self.settings = settings
        self.catalogue = catalogue
        self.nc: Client | None = None
        self.js: JetStreamContext | None = None
        self.monitors: KeyValue | None = None
        self.history: KeyValue | None = None
        self.micro: MicroService | None = None
        self._consume: asyncio.Task[None] | None = None
        self.alerting: Alerting | None = None
        self.fired = 0
        self.submitted = 0

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        self.nc = await connect(self.settings, "brandlens-monitors")
        self.js = self.nc.jetstream(timeout=10)
        await wait_for_topology(self.nc, self.settings)
        await ensure_monitor_topology(self.nc, self.js, self.settings)
        self.monitors = await self.js.key_value(subjects.MONITORS_BUCKET)
        self.history = await self.js.key_value(subjects.MONITOR_RUNS_BUCKET)
        # One durable consumer shared by every replica: each fired message goes to one of them;
        # a redelivery to another is harmless (request_id dedupe).
        sub = await self.js.pull_subscribe(
            subjects.FIRED_WILDCARD, durable=subjects.SCHEDULES_CONSUMER, stream=subjects.SCHEDULES_STREAM,
            config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, ack_wait=60, max_deliver=-1),
        )
        self._consume = asyncio.create_task(pull_forever(sub, self._on_fired, "fired", RETRY_DELAY_S))
        # Each monitor run is judged when its completion event arrives (alerting.py).
        self.alerting = Alerting(self.js, self.monitors, self.settings, self.runs_of)
        await self.alerting.start()
        self.micro = await MicroService(
            self.nc, "brandlens-monitors", "Monitors: a diagnosis on a schedule nats-server fires",
            metadata={"component": "monitors"}, stats_data=self.stats,
        ).start()
        endpoints = [
            ("create", subjects.MONITORS_CREATE, self.handle_create, "MonitorSpec", "{id}"),
            ("list", subjects.MONITORS_LIST, self.handle_list, "empty", "list[Monitor]"),
            ("show", subjects.MONITORS_SHOW, self.handle_show, "{id}", "Monitor"),
            ("pause", subjects.MONITORS_PAUSE, self.handle_pause, "{id}", "Monitor"),
            ("resume", subjects.MONITORS_RESUME, self.handle_resume, "{id}", "Monitor"),
            ("delete", subjects.MONITORS_DELETE, self.handle_delete, "{id}", "{id, deleted}"),
            ("run-now", subjects.MONITORS_RUN_NOW, self.handle_run_now, "{id}", "MonitorRun"),
            ("trend", subjects.MONITORS_TREND, self.handle_trend, "{id}", "Trend"),
        ]
        for name, subject, handler, req_type, resp_type in endpoints:
            await self.micro.add_endpoint(name, subject, handler, request_type=req_type, response_type=resp_type)
        log.info("monitors_ready")

    def stats(self) -> dict[str, object]:
        return {"fired": self.fired, "submitted": self.submitted,
                "alerts": self.alerting.raised if self.alerting else 0}

    async def stop(self) -> None:
        if self.micro:
            await self.micro.stop()
        if self._consume:
            self._consume.cancel()
            await asyncio.gather(self._consume, return_exceptions=True)
        if self.alerting:
            await self.alerting.stop()
        if self.nc and not self.nc.is_closed:
            await self.nc.close()

    # --- fired schedules ------------------------------------------------------------------

    async def _on_fired(self, msg: Msg) -> None:
        self.fired += 1
        monitor_id = msg.subject.rsplit(".", 1)[-1]
        record = await self._get(monitor_id)
        if record is None or record.paused:
            # Deleted or paused after the server fired: nothing to run.
            await msg.ack()
            return
        fired_at = msg.metadata.timestamp if msg.metadata.timestamp else dt.datetime.now(dt.UTC)
        slot = self.slot_for(record, fired_at, (msg.headers or {}).get("Nats-Schedule-Next"))
        if record.last_slot is not None and parse_slot_key(record.last_slot) >= slot:
            trigger = "schedule"  # a redelivery of a slot already handled: submit dedupes it
        else:
            trigger = "catch-up" if (fired_at - slot).total_seconds() >= 1.5 else "schedule"
            await self._record_missed(record, slot)
        try:
            await self._submit(record, slot, trigger)
        except ServiceUnavailable as exc:
            log.warning("submit_unavailable", monitor=monitor_id, error=str(exc))
            await msg.nak(delay=RETRY_DELAY_S)
            return
        await msg.ack()

    def slot_for(self, record: MonitorRecord, fired_at: dt.datetime, next_header: str | None) -> dt.datetime:
        """The latest schedule point <= the fire time (nats-server names no slot: see slots.py)."""
        schedule = record.spec.schedule
        if schedule.every_s is not None:
            if next_header:
                slot = interval_slot(dt.datetime.fromisoformat(next_header), schedule.every_s)
                if slot <= fired_at + dt.timedelta(seconds=1):
                    return slot.replace(microsecond=0)
            return fired_at.replace(microsecond=0).astimezone(dt.UTC)
        return Cron.parse(schedule.cron or "", schedule.timezone).latest_at_or_before(fired_at)

    def _step(self, record: MonitorRecord, anchor: dt.datetime) -> CronStep:
        schedule = record.spec.schedule
        cron = Cron.parse(schedule.cron, schedule.timezone) if schedule.cron else None
        return CronStep(cron, schedule.every_s, anchor)

    async def _record_missed(self, record: MonitorRecord, slot: dt.datetime) -> None:
        """Slots between the previous run and this one were not fired (server down): record them."""
        assert self.history is not None
        if record.last_slot is None:
            return
        for missed in missed_between(parse_slot_key(record.last_slot), slot, self._step(record, slot)):
            key = f"{record.id}.{slot_key(missed)}"
            try:
                await self.history.create(key, encode(MonitorRun(run_id=None, slot=slot_key(missed),
                                                                 status="missed")))
            except nats.js.errors.KeyWrongLastSequenceError:
                pass  # already recorded (run, or missed) by another replica

    async def _submit(self, record: MonitorRecord, slot: dt.datetime, trigger: str, tag: str = "") -> MonitorRun:
        assert self.nc is not None and self.history is not None
        key = slot_key(slot)
        request = dict(record.spec.request)
        request["request_id"] = f"{record.id}.{tag}{key}"
        request.setdefault("client", f"monitor:{record.id}")
        reply = await submit_request(self.nc, msgspec.json.encode(request))
        if isinstance(reply, SubmitAccepted):
            run = MonitorRun(run_id=reply.run_id, slot=key, status="submitted", trigger=trigger)
            self.submitted += 0 if reply.duplicate else 1
        else:
            # E.g. a model removed from the catalogue since the monitor was created.
            run = MonitorRun(run_id=None, slot=key, status="rejected", trigger=f"{trigger}: {reply.message}"[:200])
        # Same value from every replica for the same slot (same run id), so put is idempotent.
        await self.history.put(f"{record.id}.{tag}{key}", encode(run))
        if not tag:
            await self._advance(record.id, key)
        log.info("slot_submitted", monitor=record.id, slot=key, run_id=run.run_id, trigger=trigger)
        return run

    async def _advance(self, monitor_id: str, key: str) -> None:
        assert self.monitors is not None

        def advance(record: MonitorRecord) -> bool:
            if record.last_slot is not None and record.last_slot >= key:
                return False
            record.last_slot = key
            return True

        await update_record(self.monitors, monitor_id, advance)

    # --- schedule definitions -------------------------------------------------------------

    async def _publish_schedule(self, record: MonitorRecord) -> None:
        assert self.js is not None
        headers = {**nats_schedule(record.spec.schedule), "Nats-Schedule-Target": subjects.fired_subject(record.id)}
        try:
            await self.js.publish(subjects.schedule_subject(record.id), b"{}", headers=headers,
                                  stream=subjects.SCHEDULES_STREAM)
        except nats.js.errors.APIError as exc:
            # 10189 bad pattern / 10223 bad zone: the spec check should have caught it first.
            raise Reject(400, "invalid_request", f"nats-server refused the schedule: {exc.description}",
                         [FieldError(field="schedule", reason=str(exc.description))]) from None

    async def _remove_schedule(self, monitor_id: str) -> None:
        assert self.js is not None
        await self.js.purge_stream(subjects.SCHEDULES_STREAM, subject=subjects.schedule_subject(monitor_id))

    # --- endpoints ------------------------------------------------------------------------

    async def _get(self, monitor_id: str) -> MonitorRecord | None:
        assert self.monitors is not None
        if not monitor_id or not monitor_id.isalnum():
            return None
        try:
            entry = await self.monitors.get(monitor_id)
        except (nats.js.errors.KeyNotFoundError, nats.js.errors.KeyDeletedError):
            return None
        return record_decoder.decode(entry.value) if entry.value else None

    async def _require(self, request: Request) -> MonitorRecord:
        try:
            body = _id_decoder.decode(request.data or b"{}")
        except msgspec.DecodeError:
            raise Reject(400, "invalid_request", "not valid JSON", [FieldError(field="$", reason="not JSON")]) from None
        monitor_id = body.get("id")
        if not isinstance(monitor_id, str):
            raise Reject(400, "invalid_request", "id is required", [FieldError(field="id", reason="required")])
        record = await self._get(monitor_id)
        if record is None:
            raise Reject(404, "not_found", f"no monitor {monitor_id!r}")
        return record

    async def _set_paused(self, record: MonitorRecord, paused: bool) -> MonitorRecord:
        """Compare-and-set, so an alert appended meanwhile by alerting.py stays on the record."""
        assert self.monitors is not None

        def flip(current: MonitorRecord) -> bool:
            if current.paused == paused:
                return False
            current.paused = paused
            return True

        stored = await update_record(self.monitors, record.id, flip)
        if stored is None:
            raise Reject(404, "not_found", f"no monitor {record.id!r}")
        return stored

    async def handle_create(self, request: Request) -> bytes:
        assert self.monitors is not None
        try:
            spec, _request = parse_spec(request.data, self.settings, self.catalogue)
        except SpecInvalid as exc:
            raise Reject(400, "invalid_request", str(exc), exc.fields) from None
        record = MonitorRecord(id=new_monitor_id(), spec=spec, created_at=time.time())
        await self.monitors.create(record.id, encode(record))
        try:
            await self._publish_schedule(record)
        except Reject:
            await self.monitors.delete(record.id)
            raise
        log.info("monitor_created", monitor=record.id)
        return encode(await self._view(record, with_runs=False))

    async def handle_list(self, _request: Request) -> bytes:
        assert self.monitors is not None
        records = [r for r in [await self._get(k) for k in await self._live_keys()] if r is not None]
        return encode([await self._view(r, with_runs=False) for r in records])

    async def _live_keys(self) -> list[str]:
        assert self.monitors is not None
        try:
            return sorted(await self.monitors.keys())
        except nats.js.errors.NoKeysError:
            return []

    async def handle_show(self, request: Request) -> bytes:
        return encode(await self._view(await self._require(request)))

    async def handle_pause(self, request: Request) -> bytes:
        record = await self._require(request)
        # Pause = no definition at all, so the server fires nothing (rather than us skipping).
        await self._remove_schedule(record.id)
        record = await self._set_paused(record, True)
        return encode(await self._view(record, with_runs=False))

    async def handle_resume(self, request: Request) -> bytes:
        record = await self._require(request)
        record = await self._set_paused(record, False)
        await self._publish_schedule(record)
        return encode(await self._view(record, with_runs=False))

    async def handle_delete(self, request: Request) -> bytes:
        assert self.monitors is not None and self.history is not None and self.js is not None
        record = await self._require(request)
        await self._remove_schedule(record.id)
        await self.monitors.delete(record.id)
        # History goes too; the runs themselves stay in brandlens_runs until their retention.
        for key in await kv_keys(self.js, subjects.MONITOR_RUNS_BUCKET, f"{record.id}.>"):
            await self.history.delete(key)
        return encode({"id": record.id, "deleted": True})

    async def handle_run_now(self, request: Request) -> bytes:
        record = await self._require(request)
        # Outside the schedule: its own request_id namespace, so it never takes a slot's place.
        run = await self._submit(record, dt.datetime.now(dt.UTC), "run-now", tag="now-")
        return encode(run)

    async def handle_trend(self, request: Request) -> bytes:
        record = await self._require(request)
        body = _id_decoder.decode(request.data or b"{}")
        period = body.get("period")
        if period is not None and period not in ("day", "slot"):
            raise Reject(400, "invalid_request", "period must be day or slot",
                         [FieldError(field="period", reason="must be 'day' or 'slot'")])
        # The view carries the history (statuses refreshed) and the alerts drawn as markers.
        view = await self._view(record)
        runs = view["runs"]
        reports = await self._reports(runs_to_read(runs))
        built = build_trend(runs, reports, monitor=record.id, name=record.spec.name,
                            schedule=view["schedule"], alerts=view["alerts"], period=period)
        return msgspec.json.encode(built)

    async def _reports(self, run_ids: list[str]) -> dict[str, Any]:
        assert self.js is not None
        store = await self.js.object_store(subjects.REPORTS_STORE)
        found: dict[str, Any] = {}
        for run_id in run_ids:
            try:
                found[run_id] = msgspec.json.decode((await store.get(run_id)).data or b"null")
            except nats.js.errors.ObjectNotFoundError:
                continue
        return found

    async def runs_of(self, monitor_id: str) -> list[MonitorRun]:
        """The monitor's history, oldest slot first, each status refreshed from the run itself."""
        assert self.history is not None and self.js is not None
        runs_kv = await self.js.key_value(subjects.RUNS_BUCKET)
        runs: list[MonitorRun] = []
        for key in await kv_keys(self.js, subjects.MONITOR_RUNS_BUCKET, f"{monitor_id}.>"):
            try:
                entry = await self.history.get(key)
            except (nats.js.errors.KeyNotFoundError, nats.js.errors.KeyDeletedError):
                continue
            if not entry.value:
                continue
            run = run_decoder.decode(entry.value)
            if run.run_id:
                try:
                    live = await runs_kv.get(run.run_id)
                    run.status = run_record_decoder.decode(live.value or b"").status
                except (nats.js.errors.KeyNotFoundError, nats.js.errors.KeyDeletedError):
                    run.status = "expired"
            runs.append(run)
        return sorted(runs, key=lambda r: r.slot.removeprefix("now-"))

    async def _view(self, record: MonitorRecord, with_runs: bool = True) -> dict[str, Any]:
        view: dict[str, Any] = {
            "id": record.id, "name": record.spec.name, "schedule": msgspec.to_builtins(record.spec.schedule),
            "paused": record.paused, "created_at": record.created_at, "last_slot": record.last_slot,
        }
        if with_runs:
            view["runs"] = [msgspec.to_builtins(r) for r in await self.runs_of(record.id)]
            # Raised by alerting.py when each run ended (shared.monitoring.alerts decides them).
            view["alerts"] = [msgspec.to_builtins(a) for a in record.alerts]
        return view
