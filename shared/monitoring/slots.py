"""Which schedule slot a fired message stands for, and which slots were missed.

nats-server's fired schedule messages (ADR-51) carry ``Nats-Schedule-Next`` but no header naming
the slot being fired (measured, docs/monitors.md), and after downtime the server fires once at
restart time, off the grid. So the slot is computed here: the latest schedule point at or before
the fire time — for cron in the schedule's own time zone, for an interval on its grid.
Only the 6-field cron the server accepts is supported (seconds first; numbers, ``*``, ``?``,
ranges, lists, steps); anything else is rejected with the reason before it reaches the server.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# (name, low, high) of each cron field, seconds first as nats-server expects.
_FIELDS = (("second", 0, 59), ("minute", 0, 59), ("hour", 0, 23),
           ("day of month", 1, 31), ("month", 1, 12), ("day of week", 0, 6))
# A daily/weekly/monthly cron can only be so sparse: five years bounds the backwards search.
_MAX_DAYS_BACK = 366 * 5


class CronInvalid(ValueError):
    """A cron expression or time zone this module (and nats-server) cannot schedule."""


def _parse_field(text: str, name: str, low: int, high: int) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        body, _, step_text = part.partition("/")
        try:
            step = int(step_text) if step_text else 1
            if body in ("*", "?"):
                start, end = low, high
            elif "-" in body:
                a, b = body.split("-", 1)
                start, end = int(a), int(b)
            else:
                start = int(body)
                end = high if step_text else start
        except ValueError:
            raise CronInvalid(f"{name} field {part!r} is not a number, '*', a range or a step") from None
        if step < 1 or not (low <= start <= end <= high):
            raise CronInvalid(f"{name} field {part!r} is outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


@dataclass(frozen=True)
class Cron:
    """A parsed 6-field cron expression in one IANA time zone."""

    seconds: frozenset[int]
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    # Standard cron: when both day fields are restricted a day matches either of them.
    days_any: bool
    zone: ZoneInfo

    @classmethod
    def parse(cls, expression: str, timezone: str) -> Cron:
        parts = expression.split()
        if len(parts) != 6:
            raise CronInvalid(f"needs 6 fields (second minute hour day month weekday), got {len(parts)}")
        try:
            zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise CronInvalid(f"time zone {timezone!r} is not an IANA time zone") from None
        sets = [_parse_field(p, *spec) for p, spec in zip(parts, _FIELDS, strict=True)]
        restricted = parts[3] not in ("*", "?") and parts[5] not in ("*", "?")
        second, minute, hour, day, month, weekday = sets
        return cls(second, minute, hour, day, month, weekday, days_any=restricted, zone=zone)

    def _day_matches(self, day: dt.date) -> bool:
        if day.month not in self.months:
            return False
        weekday = (day.weekday() + 1) % 7  # cron: Sunday = 0
        dom, dow = day.day in self.days, weekday in self.weekdays
        return (dom or dow) if self.days_any else (dom and dow)

    def latest_at_or_before(self, when: dt.datetime) -> dt.datetime:
        """The latest cron point <= `when` (aware), as an aware UTC datetime."""
        local = when.astimezone(self.zone)
        day = local.date()
        limit: tuple[int, int, int] | None = (local.hour, local.minute, local.second)
        for _ in range(_MAX_DAYS_BACK):
            if self._day_matches(day):
                best = self._latest_time(limit)
                if best is not None:
                    naive = dt.datetime.combine(day, dt.time(*best))
                    return naive.replace(tzinfo=self.zone).astimezone(dt.UTC)
            day -= dt.timedelta(days=1)
            limit = None
        raise CronInvalid("no schedule point in the last five years")

    def _latest_time(self, limit: tuple[int, int, int] | None) -> tuple[int, int, int] | None:
        for h in sorted(self.hours, reverse=True):
            for m in sorted(self.minutes, reverse=True):
                for s in sorted(self.seconds, reverse=True):
                    if limit is None or (h, m, s) <= limit:
                        return (h, m, s)
        return None


def interval_slot(next_fire: dt.datetime, every_s: int) -> dt.datetime:
    """An interval schedule's slot: the server's announced next fire minus one interval."""
    return (next_fire - dt.timedelta(seconds=every_s)).astimezone(dt.UTC)


def slot_key(slot: dt.datetime) -> str:
    """A slot as a KV-key- and request_id-safe token: UTC, whole seconds (20261206T093000Z)."""
    return slot.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def parse_slot_key(key: str) -> dt.datetime:
    return dt.datetime.strptime(key, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)


def missed_between(previous: dt.datetime, current: dt.datetime, step: CronStep, cap: int = 100) -> list[dt.datetime]:
    """Slots strictly between two run slots (newest first, at most `cap`): those the server skipped."""
    found: list[dt.datetime] = []
    probe = current - dt.timedelta(seconds=1)
    while len(found) < cap:
        slot = step(probe)
        if slot <= previous:
            break
        found.append(slot)
        probe = slot - dt.timedelta(seconds=1)
    return found


class CronStep:
    """`latest slot <= t` for either schedule kind, so missed-slot maths is written once."""

    def __init__(self, cron: Cron | None, every_s: int | None, anchor: dt.datetime | None = None) -> None:
        self.cron = cron
        self.every_s = every_s
        # An interval's grid: a known slot (any), so earlier points are anchor - k * every_s.
        self.anchor = anchor

    def __call__(self, when: dt.datetime) -> dt.datetime:
        if self.cron is not None:
            return self.cron.latest_at_or_before(when)
        assert self.every_s and self.anchor is not None
        steps = math.floor((when - self.anchor).total_seconds() / self.every_s)
        return self.anchor + dt.timedelta(seconds=steps * self.every_s)
