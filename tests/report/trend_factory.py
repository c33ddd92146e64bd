"""Trends built from hand-made reports (the realistic run of conftest.py, one seed per day)."""

from __future__ import annotations

import datetime as dt

import msgspec

from shared.monitoring.slots import slot_key
from shared.monitoring.trend import build_trend
from shared.monitoring.trend_types import Trend
from shared.report import build_report
from tests.report.conftest import realistic_cells, realistic_run

START = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)  # 09:00 in Asia/Shanghai
SCHEDULE = {"cron": "0 0 9 * * *", "timezone": "Asia/Shanghai"}


def daily_trend(days: int = 6, *, alert_model: str = "qwen-max", brand: str | None = None) -> Trend:
    """`days` daily runs of the realistic report, a missed day after them, and one alert."""
    runs: list[dict[str, object]] = []
    reports: dict[str, object] = {}
    for day in range(days):
        run = realistic_run()
        run.run_id = f"run-{day}"
        if brand is not None:
            run.request.brand.name = brand
        cells = realistic_cells(run, seed=day)
        reports[run.run_id] = msgspec.to_builtins(build_report(run, cells, generated_at=1.0))
        runs.append({"run_id": run.run_id, "slot": slot_key(START + dt.timedelta(days=day)), "status": "complete"})
    runs.append({"run_id": None, "slot": slot_key(START + dt.timedelta(days=days)), "status": "missed"})
    alerts = [{"id": "a1", "kind": "visibility_drop", "brand": brand or "华为", "model": alert_model,
               "run_id": f"run-{days // 2}", "message": "visibility fell <b>20 points</b>"}]
    return build_trend(runs, reports, monitor="m0123", name="daily", schedule=SCHEDULE, alerts=alerts,
                       generated_at=1_800_000_000.0)
