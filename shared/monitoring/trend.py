"""``build_trend``: a monitor's stored run reports → per brand × model × period series.

Inputs are what the monitors service keeps: the monitor's history (``MonitorRun`` as dicts:
run_id, slot, status, trigger) and the stored report JSON of each finished run (its ``cells``
carry every answer's analysis). Why recompute from the cells and not from ``by_model``: the
intervals for means need the per-question spread, and branded / non-branded share of voice needs
the question of each answer; neither survives in the report's aggregates.

Definitions (docs/monitors.md, "Trends"): a period is the slot's date in the monitor's time zone
(``day``) or the slot itself (``slot``, the default for ``every_s`` schedules shorter than a day);
all analysed answers of a model in a period are pooled. A question is *branded* when its text (as
asked) names a tracked brand — the main brand or a competitor, by name or alias, ignoring case.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from shared.monitoring.slots import parse_slot_key
from shared.monitoring.trend_stats import least_squares_slope
from shared.monitoring.trend_tally import TrendTally, names_in
from shared.monitoring.trend_types import AlertMarker, Period, Slope, Trend, TrendPoint, TrendRun, TrendSeries
from shared.report.types import Report

__all__ = ["MAX_RUNS", "MIN_SLOPE_POINTS", "build_trend", "names_in", "runs_to_read", "slopes"]

MIN_SLOPE_POINTS = 4
# A trend reads at most this many finished runs (the newest): a year of daily runs, while an
# every-second monitor cannot make one trend request fetch tens of thousands of reports.
MAX_RUNS = 400
USED_STATUSES = frozenset({"complete", "partial"})
SLOPE_METRICS = ("visibility", "first_rate", "avg_rank", "share_of_voice", "share_of_voice_branded",
                 "share_of_voice_unbranded", "sentiment")
METHODS = {
    "visibility": "Wilson score 95% interval over the period's analysed answers",
    "first_rate": "Wilson score 95% interval over the period's analysed answers",
    "avg_rank": "ratio mean with a 95% t-interval over questions (cluster-robust, G − 1 df)",
    "share_of_voice": "ratio of mentions with a 95% t-interval over questions (cluster-robust, G − 1 df)",
    "sentiment": "mean over mentioning answers with a 95% t-interval over questions",
    "sources": "Wilson interval: answers citing the domain / answers mentioning the brand",
    "slope": f"least squares over the points, 95% t-interval with n − 2 df; shown from {MIN_SLOPE_POINTS} points",
    "branded": "a question is branded when it names the main brand or a competitor (name or alias)",
}


def _value(point: TrendPoint, metric: str) -> float | None:
    value: float | None = getattr(point, metric).value
    return value


def slopes(points: list[TrendPoint], xs: list[float], unit: str) -> list[Slope]:
    """One slope per metric, only from MIN_SLOPE_POINTS points with a value (why: docs/monitors.md)."""
    out: list[Slope] = []
    for metric in SLOPE_METRICS:
        pairs = [(x, v) for x, p in zip(xs, points, strict=True) if (v := _value(p, metric)) is not None]
        if len(pairs) < MIN_SLOPE_POINTS:
            out.append(Slope(metric=metric, points=len(pairs), unit=unit,
                             reason=f"needs at least {MIN_SLOPE_POINTS} points with a value, has {len(pairs)}"))
            continue
        fit = least_squares_slope(pairs)
        if fit is None:
            out.append(Slope(metric=metric, points=len(pairs), unit=unit, reason="all points on one day"))
            continue
        value, low, high = fit
        out.append(Slope(metric=metric, value=value, low=low, high=high, points=len(pairs), unit=unit,
                         significant=low > 0 or high < 0))
    return out


def default_period(schedule: Mapping[str, Any] | None) -> Period:
    every = (schedule or {}).get("every_s")
    return "slot" if isinstance(every, int) and every < 86400 else "day"


def _slot_time(slot: str) -> dt.datetime | None:
    try:
        return parse_slot_key(slot.removeprefix("now-"))
    except ValueError:
        return None


def _slot_order(run: Mapping[str, Any]) -> str:
    return str(run.get("slot", "")).removeprefix("now-")


def runs_to_read(runs: Iterable[Mapping[str, Any]], max_runs: int = MAX_RUNS) -> list[str]:
    """The run ids whose reports a trend reads: the newest ``max_runs`` finished runs."""
    finished = [r for r in sorted(runs, key=_slot_order) if r.get("run_id") and r.get("status") in USED_STATUSES]
    return [str(r["run_id"]) for r in finished[-max_runs:]] if max_runs > 0 else []


def build_trend(
    runs: Iterable[Mapping[str, Any]],
    reports: Mapping[str, Any],
    *,
    monitor: str = "",
    name: str = "",
    schedule: Mapping[str, Any] | None = None,
    alerts: Iterable[Mapping[str, Any]] = (),
    period: Period | None = None,
    generated_at: float | None = None,
    max_runs: int = MAX_RUNS,
) -> Trend:
    """The trend of one monitor. ``reports`` maps run_id → the stored report (JSON-decoded)."""
    timezone = str((schedule or {}).get("timezone") or "UTC")
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone, timezone = ZoneInfo("UTC"), "UTC"
    chosen: Period = period or default_period(schedule)
    every = (schedule or {}).get("every_s")
    per_slot = chosen == "slot" and isinstance(every, int) and every > 0
    unit = f"per slot ({every} s)" if per_slot else "per day"
    builder = TrendTally(zone, chosen)
    trend_runs: list[TrendRun] = []
    first_slot: dict[str, dt.datetime] = {}
    runs = sorted(runs, key=_slot_order)
    readable = set(runs_to_read(runs, max_runs))
    for run in runs:
        run_id, slot, status = run.get("run_id"), str(run.get("slot", "")), str(run.get("status", ""))
        when = _slot_time(slot)
        row = TrendRun(run_id=run_id, slot=slot, status=status, trigger=str(run.get("trigger", "schedule")))
        if when is not None:
            row.period = builder.period_of(when)
        report = reports.get(run_id) if run_id else None
        if when is None:
            row.reason = "slot is not a slot time"
        elif status not in USED_STATUSES:
            row.reason = f"run is {status}: no report to read"
        elif run_id not in readable:
            row.reason = f"older than the newest {max_runs} finished runs a trend reads"
        elif report is None:
            row.reason = "report not stored (expired past retention, or not written yet)"
        else:
            builder.add_report(msgspec.convert(report, Report), row.period)
            row.used = True
            first_slot.setdefault(row.period, when)
        trend_runs.append(row)
    periods = sorted(first_slot, key=lambda p: first_slot[p])
    origin = first_slot[periods[0]] if periods else None
    series: list[TrendSeries] = []
    for brand in builder.brands:
        for model in builder.models:
            points = [builder.point(brand, model, p) for p in periods]
            kept = [(p, pt) for p, pt in zip(periods, points, strict=True) if pt.answers > 0]
            xs = [_x(first_slot[p], origin, chosen, zone, every if per_slot else None) for p, _ in kept]
            series.append(TrendSeries(brand=brand, kind=builder.kinds[brand], model=model,
                                      points=[pt for _, pt in kept],
                                      slopes=slopes([pt for _, pt in kept], xs, unit)))
    by_run = {r.run_id: r.period for r in trend_runs if r.run_id}
    markers = [_marker(a, by_run, builder) for a in alerts]
    return Trend(
        monitor=monitor, name=name, timezone=timezone, period=chosen, slope_unit=unit,
        generated_at=generated_at if generated_at is not None else time.time(),
        brand=next((b for b, k in builder.kinds.items() if k == "main"), ""), brands=list(builder.brands),
        models=builder.models, periods=periods, questions=list(builder.questions.values()), runs=trend_runs,
        series=series, alerts=markers, methods=dict(METHODS),
    )


def _x(when: dt.datetime, origin: dt.datetime | None, period: Period, zone: ZoneInfo, every: int | None) -> float:
    assert origin is not None
    if period == "day":
        return float((when.astimezone(zone).date() - origin.astimezone(zone).date()).days)
    if every:
        return (when - origin).total_seconds() / every
    return (when - origin).total_seconds() / 86400.0


def _marker(alert: Mapping[str, Any], by_run: Mapping[str, str], builder: TrendTally) -> AlertMarker:
    run_id = str(alert.get("run_id") or "")
    period = by_run.get(run_id) or None
    if period is None and alert.get("slot"):
        raw = str(alert["slot"])
        when = _slot_time(raw)
        if when is None:
            try:
                when = dt.datetime.fromisoformat(raw)
            except ValueError:
                when = None
        period = builder.period_of(when) if when is not None else None
    return AlertMarker(id=str(alert.get("id") or ""), kind=str(alert.get("kind") or ""),
                       brand=alert.get("brand"), model=alert.get("model"), metric=str(alert.get("metric") or ""),
                       period=period, run_id=run_id, message=str(alert.get("message") or ""))
