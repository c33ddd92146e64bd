"""Slot maths and spec validation, no bus.

Rules pinned:
- a cron slot is the latest cron point <= the fire time, in the schedule's own time zone (so a
  catch-up fire at restart time maps to the latest missed slot);
- the slots strictly between two runs are the missed ones, newest first;
- a bad spec is rejected naming the field (schedule, schedule.cron, schedule.timezone, request.*).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from shared.catalogue import load_catalogue
from shared.config import load_settings
from shared.monitoring.slots import Cron, CronInvalid, CronStep, missed_between, slot_key
from shared.monitoring.spec import SpecInvalid, parse_spec
from tests.harness import TEST_CATALOGUE

UTC = dt.UTC
REQUEST = {"brand": {"name": "Acme"}, "questions": ["best tool?"], "models": ["sim-deepseek"]}


def test_daily_cron_in_shanghai_maps_a_late_fire_to_that_mornings_slot() -> None:
    cron = Cron.parse("0 0 9 * * *", "Asia/Shanghai")
    # 09:00 Shanghai = 01:00 UTC; a catch-up fire at 05:17 UTC belongs to that day's slot.
    assert cron.latest_at_or_before(dt.datetime(2026, 12, 6, 5, 17, 3, tzinfo=UTC)) == dt.datetime(
        2026, 12, 6, 1, 0, 0, tzinfo=UTC)
    # Before 09:00 local the slot is the previous day's.
    assert cron.latest_at_or_before(dt.datetime(2026, 12, 6, 0, 59, 59, tzinfo=UTC)) == dt.datetime(
        2026, 12, 5, 1, 0, 0, tzinfo=UTC)


def test_every_second_cron_and_weekday_fields() -> None:
    every = Cron.parse("* * * * * *", "UTC")
    t = dt.datetime(2026, 12, 6, 11, 0, 7, 860000, tzinfo=UTC)
    assert every.latest_at_or_before(t) == t.replace(microsecond=0)
    monday = Cron.parse("0 30 8 * * 1", "UTC")  # 2026-12-06 is a Sunday
    assert monday.latest_at_or_before(t).date() == dt.date(2026, 11, 30)


@pytest.mark.parametrize("expr", ["* * * * *", "61 * * * * *", "a * * * * *", "*/0 * * * * *"])
def test_unschedulable_cron_is_rejected(expr: str) -> None:
    with pytest.raises(CronInvalid):
        Cron.parse(expr, "UTC")


def test_missed_slots_are_those_strictly_between_two_runs() -> None:
    cron = Cron.parse("* * * * * *", "UTC")
    prev = dt.datetime(2026, 12, 6, 8, 53, 59, tzinfo=UTC)
    now = dt.datetime(2026, 12, 6, 8, 54, 3, tzinfo=UTC)
    missed = missed_between(prev, now, CronStep(cron, None))
    assert [slot_key(m) for m in missed] == ["20261206T085402Z", "20261206T085401Z", "20261206T085400Z"]
    interval = CronStep(None, 2, anchor=now)
    assert [slot_key(m) for m in missed_between(prev, now, interval)] == ["20261206T085401Z"]


def _fields(spec: dict[str, object]) -> list[str]:
    settings = load_settings({})
    catalogue = load_catalogue(TEST_CATALOGUE, {"BRANDLENS_SIMULATOR_URL": "http://x"})
    with pytest.raises(SpecInvalid) as caught:
        parse_spec(json.dumps(spec).encode(), settings, catalogue)
    return [f.field for f in caught.value.fields]


def test_bad_specs_name_the_field() -> None:
    base: dict[str, object] = {"name": "daily", "request": REQUEST, "schedule": {"every_s": 60}}
    assert _fields({**base, "schedule": {}}) == ["schedule"]
    assert _fields({**base, "schedule": {"cron": "* * * * *"}}) == ["schedule.cron"]
    assert _fields({**base, "schedule": {"cron": "0 0 9 * * *", "timezone": "Mars/Base"}}) == ["schedule.timezone"]
    assert _fields({**base, "schedule": {"every_s": 0}}) == ["schedule.every_s"]
    # An unknown key: the object holding it is named (the reason names the key).
    assert _fields({**base, "schedule": {"every": 5}}) == ["schedule"]
    assert _fields({**base, "name": ""}) == ["name"]
    assert "request.models[0]" in _fields({**base, "request": {**REQUEST, "models": ["nope"]}})
    assert _fields({k: v for k, v in base.items() if k != "schedule"}) == ["schedule"]
    assert _fields({**base, "request": {**REQUEST, "request_id": "x"}}) == ["request.request_id"]
