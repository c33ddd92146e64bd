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
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from shared.contracts import ANSWERED
from shared.monitoring.slots import parse_slot_key
from shared.monitoring.trend_stats import ONE_QUESTION, cluster_ratio_interval, least_squares_slope
from shared.monitoring.trend_types import (
    AlertMarker,
    Estimate,
    Period,
    Slope,
    SourceShare,
    Trend,
    TrendPoint,
    TrendQuestion,
    TrendRun,
    TrendSeries,
)
from shared.report.stats import proportion
from shared.report.types import BrandKind, CellView, Report, ToneCounts

MIN_SLOPE_POINTS = 4
# A trend reads at most this many finished runs (the newest): a year of daily runs, while an
# every-second monitor cannot make one trend request fetch tens of thousands of reports.
MAX_RUNS = 400
TOP_SOURCES = 3
USED_STATUSES = frozenset({"complete", "partial"})
SLOPE_METRICS = ("visibility", "first_rate", "avg_rank", "share_of_voice", "share_of_voice_branded",
                 "share_of_voice_unbranded", "sentiment")
NO_ANSWERS = "no analysed answers from this model in this period"
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


@dataclass(slots=True)
class _QuestionCounts:
    """One brand's sums over one question's answers in one period (one cluster)."""

    answers: int = 0
    mentioned: int = 0
    first: int = 0
    rank_sum: int = 0
    ranked: int = 0
    mentions: int = 0
    tracked_mentions: int = 0
    sentiment_sum: float = 0.0
    sentiment_n: int = 0


@dataclass(slots=True)
class _Cell:
    """Everything one (brand, model, period) accumulates."""

    runs: list[str] = field(default_factory=list)
    by_question: dict[str, _QuestionCounts] = field(default_factory=dict)
    tones: Counter[str] = field(default_factory=Counter)
    domains: Counter[str] = field(default_factory=Counter)


def names_in(text: str, brands: Mapping[str, list[str]]) -> list[str]:
    """The tracked brands a question names: any of name + aliases, case-insensitive substring."""
    folded = text.casefold()
    return [name for name, aliases in brands.items()
            if any(alias.strip() and alias.casefold() in folded for alias in [name, *aliases])]


def _domains(cell: CellView) -> set[str]:
    assert cell.analysis is not None
    found = {d.removeprefix("www.").lower() for d in cell.analysis.cited_domains if d}
    for citation in cell.citations:
        host = citation.site or _host(citation.url)
        if host:
            found.add(host.lower().removeprefix("www."))
    return found


def _host(url: str) -> str | None:
    try:
        return urlsplit(url.strip()).hostname
    except ValueError:
        return None


def _estimate(clusters: list[tuple[float, float]], bounds: tuple[float, float], empty: str) -> Estimate:
    n = int(sum(m for _, m in clusters))
    g = sum(1 for _, m in clusters if m > 0)
    if n == 0:
        return Estimate(value=None, reason=empty, n=0, questions=0)
    value, low, high = cluster_ratio_interval(clusters, bounds)
    return Estimate(value=value, n=n, questions=g, low=low, high=high,
                    reason=None if low is not None else ONE_QUESTION)


class _Builder:
    def __init__(self, zone: ZoneInfo, period: Period) -> None:
        self.zone = zone
        self.period: Period = period
        self.brands: dict[str, list[str]] = {}
        self.kinds: dict[str, BrandKind] = {}
        self.models: list[str] = []
        self.questions: dict[str, TrendQuestion] = {}
        self.cells: dict[tuple[str, str, str], _Cell] = {}
        self.branded: dict[str, bool] = {}

    def period_of(self, slot: dt.datetime) -> str:
        if self.period == "day":
            return slot.astimezone(self.zone).date().isoformat()
        return slot.astimezone(self.zone).isoformat(timespec="seconds")

    def add_report(self, report: Report, period: str) -> None:
        for brand, kind in [(report.brand, "main"), *((c, "competitor") for c in report.competitors)]:
            self.brands.setdefault(brand.name, list(brand.aliases))
            self.kinds.setdefault(brand.name, "main" if kind == "main" else "competitor")
        self.models += [m for m in report.models if m not in self.models]
        for cell in report.cells:
            if cell.analysis is None or cell.status not in ANSWERED:
                continue
            self._add_cell(report.run_id, cell, period)

    def _question(self, text: str) -> bool:
        known = self.questions.get(text)
        if known is None:
            names = names_in(text, self.brands)
            known = self.questions[text] = TrendQuestion(text=text, branded=bool(names), names=names)
        return known.branded

    def _add_cell(self, run_id: str, cell: CellView, period: str) -> None:
        assert cell.analysis is not None
        self._question(cell.question)
        if cell.model not in self.models:
            self.models.append(cell.model)
        found = cell.analysis.brands
        tracked_mentions = sum(b.mention_count for name, b in found.items() if b.mentioned and name in self.brands)
        domains = _domains(cell)
        for name in self.brands:
            acc = self.cells.setdefault((name, cell.model, period), _Cell())
            if run_id not in acc.runs:
                acc.runs.append(run_id)
            q = acc.by_question.setdefault(cell.question, _QuestionCounts())
            q.answers += 1
            q.tracked_mentions += tracked_mentions
            brand = found.get(name)
            if brand is None or not brand.mentioned:
                continue
            q.mentioned += 1
            q.mentions += brand.mention_count
            if brand.rank is not None:
                q.ranked += 1
                q.rank_sum += brand.rank
                q.first += brand.rank == 1
            if brand.sentiment is not None:
                q.sentiment_sum += brand.sentiment
                q.sentiment_n += 1
            if brand.tone:
                acc.tones[brand.tone] += 1
            acc.domains.update(domains)

    def point(self, brand: str, model: str, period: str) -> TrendPoint:
        acc = self.cells.get((brand, model, period))
        if acc is None:
            empty = proportion(0, 0, NO_ANSWERS)
            return TrendPoint(period=period, visibility=empty, first_rate=empty, positive_rate=empty,
                              avg_rank=Estimate(reason=NO_ANSWERS), share_of_voice=Estimate(reason=NO_ANSWERS),
                              share_of_voice_branded=Estimate(reason=NO_ANSWERS),
                              share_of_voice_unbranded=Estimate(reason=NO_ANSWERS),
                              sentiment=Estimate(reason=NO_ANSWERS))
        qs = acc.by_question
        answers = sum(q.answers for q in qs.values())
        mentioned = sum(q.mentioned for q in qs.values())

        def sov(pick: bool | None) -> Estimate:
            chosen = [q for text, q in qs.items() if pick is None or self.questions[text].branded == pick]
            if not chosen:
                kind = "branded" if pick else "non-branded"
                return Estimate(reason=f"no {kind} question was asked")
            return _estimate([(q.mentions, q.tracked_mentions) for q in chosen], (0.0, 1.0),
                             "none of your brands or competitors was mentioned")

        tones = ToneCounts(positive=acc.tones["positive"], neutral=acc.tones["neutral"],
                           negative=acc.tones["negative"])
        top = sorted(acc.domains.items(), key=lambda item: (-item[1], item[0]))[:TOP_SOURCES]
        return TrendPoint(
            period=period, runs=list(acc.runs), answers=answers, questions=len(qs),
            visibility=proportion(mentioned, answers, NO_ANSWERS),
            first_rate=proportion(sum(q.first for q in qs.values()), answers, NO_ANSWERS),
            avg_rank=_estimate([(q.rank_sum, q.ranked) for q in qs.values()], (1.0, float("inf")),
                               "never one of the ranked options in this period"),
            share_of_voice=sov(None), share_of_voice_branded=sov(True), share_of_voice_unbranded=sov(False),
            sentiment=_estimate([(q.sentiment_sum, q.sentiment_n) for q in qs.values()], (-1.0, 1.0),
                                "not mentioned (or no sentence scored) in this period"),
            positive_rate=proportion(tones.positive, mentioned, "not mentioned in this period"),
            tones=tones,
            sources=[SourceShare(domain=d, answers=proportion(k, mentioned, "")) for d, k in top],
        )


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
    builder = _Builder(zone, chosen)
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


def _marker(alert: Mapping[str, Any], by_run: Mapping[str, str], builder: _Builder) -> AlertMarker:
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
