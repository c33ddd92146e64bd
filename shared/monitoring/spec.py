"""The monitor spec (issue 17's Interface) as msgspec types, and its validation.

``{"name", "request": <diagnosis request>, "schedule": {"cron", "timezone"} | {"every_s"},
"alerts": {...}}``. Every rejection names the field (``schedule.cron``, ``request.models[0]``)
and the reason, like submit. The request is checked by submit's own validator; model readiness
is not (a model down today must not stop a monitor being created: its runs report it).
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from shared.catalogue import Catalogue
from shared.config import Settings
from shared.contracts import DiagnosisRequest, FieldError
from shared.monitoring.alert_settings import alert_settings_problems
from shared.monitoring.slots import Cron, CronInvalid
from shared.validation import RequestInvalid, decode_request, validate_request

MAX_NAME_CHARS = 200
# nats-server schedules down to the second; a tighter floor for production is the PM's call.
MIN_EVERY_S = 1
MAX_EVERY_S = 366 * 86400


class Schedule(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Either a 6-field cron with an IANA zone or an interval in seconds — exactly one."""

    cron: str | None = None
    timezone: str = "UTC"
    every_s: int | None = None


class MonitorSpec(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: str
    request: dict[str, Any]
    schedule: Schedule
    # Alert settings (shared.monitoring.alert_settings.AlertSettings), checked by parse_spec.
    alerts: dict[str, Any] = {}


_spec_decoder = msgspec.json.Decoder(MonitorSpec)


class SpecInvalid(ValueError):
    def __init__(self, fields: list[FieldError]) -> None:
        super().__init__("; ".join(f"{f.field}: {f.reason}" for f in fields))
        self.fields = fields


def _path(exc: msgspec.ValidationError) -> tuple[str, str]:
    """msgspec's "... - at `$.schedule`" as (field, reason); a missing field is named itself."""
    text = str(exc)
    reason, _, rest = text.partition(" - at `$")
    path = rest.rstrip("`").lstrip(".")
    missing = re.search(r"missing required field `([^`]+)`", reason)
    if missing:
        path = f"{path}.{missing.group(1)}" if path else missing.group(1)
    return path or "$", reason.strip()


def schedule_problems(schedule: Schedule) -> list[FieldError]:
    if (schedule.cron is None) == (schedule.every_s is None):
        return [FieldError(field="schedule", reason="give exactly one of cron (with timezone) or every_s")]
    if schedule.every_s is not None:
        if not MIN_EVERY_S <= schedule.every_s <= MAX_EVERY_S:
            return [FieldError(field="schedule.every_s", reason=f"must be {MIN_EVERY_S}..{MAX_EVERY_S} seconds")]
        return []
    try:
        Cron.parse(schedule.cron or "", schedule.timezone)
    except CronInvalid as exc:
        field = "schedule.timezone" if "time zone" in str(exc) else "schedule.cron"
        return [FieldError(field=field, reason=str(exc))]
    return []


def parse_spec(data: bytes, settings: Settings, catalogue: Catalogue) -> tuple[MonitorSpec, DiagnosisRequest]:
    """Decode and validate a spec; raise SpecInvalid naming every bad field."""
    try:
        spec = _spec_decoder.decode(data)
    except msgspec.ValidationError as exc:
        field, reason = _path(exc)
        raise SpecInvalid([FieldError(field=field, reason=reason)]) from None
    except msgspec.DecodeError as exc:
        raise SpecInvalid([FieldError(field="$", reason=f"not valid JSON: {exc}")]) from None
    errors: list[FieldError] = []
    if not spec.name.strip() or len(spec.name) > MAX_NAME_CHARS or not spec.name.isprintable():
        errors.append(FieldError(field="name", reason=f"must be 1..{MAX_NAME_CHARS} printable characters"))
    errors += schedule_problems(spec.schedule)
    errors += alert_settings_problems(spec.alerts)[1]
    request: DiagnosisRequest | None = None
    try:
        request = decode_request(msgspec.json.encode(spec.request), settings)
        validate_request(request, settings, catalogue, lambda _model: None)
        if request.request_id is not None:
            errors.append(FieldError(field="request.request_id",
                                     reason="set by the monitor per slot (<monitor>.<slot>); leave it out"))
    except RequestInvalid as exc:
        errors += [FieldError(field=f"request.{f.field}".replace("request.$", "request"), reason=f.reason)
                   for f in exc.fields]
    if errors:
        raise SpecInvalid(errors)
    assert request is not None
    return spec, request


def nats_schedule(schedule: Schedule) -> dict[str, str]:
    """The ADR-51 headers of this schedule's definition message (time zone only for cron)."""
    if schedule.every_s is not None:
        return {"Nats-Schedule": f"@every {schedule.every_s}s"}
    return {"Nats-Schedule": schedule.cron or "", "Nats-Schedule-Time-Zone": schedule.timezone}
