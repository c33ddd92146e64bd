"""Turning a fired schedule message into one slot's run: which slot it is, the slots missed before
it, the submit, and the history entry.

Why a slot runs once: ``request_id = <monitor>.<slot>``, whichever replica, redelivery or catch-up
fire sends it, and the dispatcher's request_id idempotency (create-only KV key per request_id)
dedupes it. A run-now takes its own ``now-`` namespace, so it never takes a slot's place.
"""

from __future__ import annotations

import datetime as dt

import msgspec
import nats.js.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.kv import KeyValue

from services.monitors.monitor_views import MonitorViews
from services.monitors.store import MonitorRecord, MonitorRun, update_record
from services.monitors.submit import submit_request
from shared.contracts import SubmitAccepted, encode
from shared.errors import ServiceUnavailable
from shared.logging import get_logger
from shared.monitoring.slots import Cron, CronStep, interval_slot, missed_between, parse_slot_key, slot_key

log = get_logger("brandlens.monitors")

# A submit that fails for lack of a dispatcher is retried by redelivery after this long.
RETRY_DELAY_S = 2.0


class SlotRuns:
    def __init__(self, nc: Client, monitors: KeyValue, history: KeyValue, views: MonitorViews) -> None:
        self.nc = nc
        self.monitors = monitors
        self.history = history
        self.views = views
        self.fired = 0
        self.submitted = 0

    async def on_fired(self, msg: Msg) -> None:
        self.fired += 1
        monitor_id = msg.subject.rsplit(".", 1)[-1]
        record = await self.views.get(monitor_id)
        if record is None or record.paused:
            # Deleted or paused after the server fired: nothing to run.
            await msg.ack()
            return
        fired_at = msg.metadata.timestamp if msg.metadata.timestamp else dt.datetime.now(dt.UTC)
        slot = slot_for(record, fired_at, (msg.headers or {}).get("Nats-Schedule-Next"))
        if record.last_slot is not None and parse_slot_key(record.last_slot) >= slot:
            trigger = "schedule"  # a redelivery of a slot already handled: submit dedupes it
        else:
            trigger = "catch-up" if (fired_at - slot).total_seconds() >= 1.5 else "schedule"
            await self._record_missed(record, slot)
        try:
            await self.submit(record, slot, trigger)
        except ServiceUnavailable as exc:
            log.warning("submit_unavailable", monitor=monitor_id, error=str(exc))
            await msg.nak(delay=RETRY_DELAY_S)
            return
        await msg.ack()

    async def _record_missed(self, record: MonitorRecord, slot: dt.datetime) -> None:
        """Slots between the previous run and this one were not fired (server down): record them."""
        if record.last_slot is None:
            return
        for missed in missed_between(parse_slot_key(record.last_slot), slot, _step(record, slot)):
            key = f"{record.id}.{slot_key(missed)}"
            try:
                await self.history.create(key, encode(MonitorRun(run_id=None, slot=slot_key(missed),
                                                                 status="missed")))
            except nats.js.errors.KeyWrongLastSequenceError:
                pass  # already recorded (run, or missed) by another replica

    async def submit(self, record: MonitorRecord, slot: dt.datetime, trigger: str, tag: str = "") -> MonitorRun:
        """Submit the monitor's request for ``slot`` and record the outcome in its history; a
        ``tag`` (run-now's ``now-``) keeps the run out of the slot sequence."""
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
        def advance(record: MonitorRecord) -> bool:
            if record.last_slot is not None and record.last_slot >= key:
                return False
            record.last_slot = key
            return True

        await update_record(self.monitors, monitor_id, advance)


def slot_for(record: MonitorRecord, fired_at: dt.datetime, next_header: str | None) -> dt.datetime:
    """The latest schedule point <= the fire time (nats-server names no slot: see slots.py)."""
    schedule = record.spec.schedule
    if schedule.every_s is not None:
        if next_header:
            slot = interval_slot(dt.datetime.fromisoformat(next_header), schedule.every_s)
            if slot <= fired_at + dt.timedelta(seconds=1):
                return slot.replace(microsecond=0)
        return fired_at.replace(microsecond=0).astimezone(dt.UTC)
    return Cron.parse(schedule.cron or "", schedule.timezone).latest_at_or_before(fired_at)


def _step(record: MonitorRecord, anchor: dt.datetime) -> CronStep:
    schedule = record.spec.schedule
    cron = Cron.parse(schedule.cron, schedule.timezone) if schedule.cron else None
    return CronStep(cron, schedule.every_s, anchor)
