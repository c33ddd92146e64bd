"""A monitor's ADR-51 schedule definition in BRANDLENS_SCHEDULES: published on create and resume,
removed on pause and delete, so a paused monitor has no definition and the server fires nothing."""

from __future__ import annotations

import nats.js.errors
from nats.js import JetStreamContext

from services.monitors.store import MonitorRecord
from shared import subjects
from shared.contracts import FieldError
from shared.monitoring.spec import nats_schedule
from shared.service import Reject


async def publish_schedule(js: JetStreamContext, record: MonitorRecord) -> None:
    headers = {**nats_schedule(record.spec.schedule), "Nats-Schedule-Target": subjects.fired_subject(record.id)}
    try:
        await js.publish(subjects.schedule_subject(record.id), b"{}", headers=headers,
                         stream=subjects.SCHEDULES_STREAM)
    except nats.js.errors.APIError as exc:
        # 10189 bad pattern / 10223 bad zone: the spec check should have caught it first.
        raise Reject(400, "invalid_request", f"nats-server refused the schedule: {exc.description}",
                     [FieldError(field="schedule", reason=str(exc.description))]) from None


async def remove_schedule(js: JetStreamContext, monitor_id: str) -> None:
    await js.purge_stream(subjects.SCHEDULES_STREAM, subject=subjects.schedule_subject(monitor_id))
