"""A monitor's trend (``brandlens trend`` / ``brandlens.monitors.trend``) as msgspec Structs.

Fields are additive with defaults, like the report's. Every number carries its interval or is
None with a reason (the report's rule): proportions reuse the report's ``Proportion`` (Wilson
95%); means and shares are an ``Estimate`` (t-interval over questions, see trend_stats.py).
"""

from __future__ import annotations

from typing import Literal

import msgspec

from shared.report.types import BrandKind, Proportion, ToneCounts

TREND_VERSION = 1

Period = Literal["day", "slot"]


class Estimate(msgspec.Struct, kw_only=True):
    """A mean or share over ``n`` observations from ``questions`` questions, with a 95% interval.

    The interval is a t-interval over questions (each question one cluster); None with ``reason``
    when fewer than two questions contribute, since one question shows no spread to measure.
    """

    value: float | None = None
    reason: str | None = None
    n: int = 0
    questions: int = 0
    low: float | None = None
    high: float | None = None


class SourceShare(msgspec.Struct, kw_only=True):
    """A domain cited in answers that mention the brand: answers citing it / answers mentioning."""

    domain: str
    answers: Proportion = msgspec.field(default_factory=Proportion)


class TrendPoint(msgspec.Struct, kw_only=True):
    """One brand × model over one period (a day in the monitor's zone, or one slot)."""

    period: str
    runs: list[str] = []
    # Analysed answers of this model in the period: the denominator of the rates.
    answers: int = 0
    questions: int = 0
    visibility: Proportion = msgspec.field(default_factory=Proportion)
    first_rate: Proportion = msgspec.field(default_factory=Proportion)
    avg_rank: Estimate = msgspec.field(default_factory=Estimate)
    share_of_voice: Estimate = msgspec.field(default_factory=Estimate)
    # Over questions that name a tracked brand / over those that name none (docs/monitors.md).
    share_of_voice_branded: Estimate = msgspec.field(default_factory=Estimate)
    share_of_voice_unbranded: Estimate = msgspec.field(default_factory=Estimate)
    sentiment: Estimate = msgspec.field(default_factory=Estimate)
    # Answers mentioning the brand with a positive tone / answers mentioning it.
    positive_rate: Proportion = msgspec.field(default_factory=Proportion)
    tones: ToneCounts = msgspec.field(default_factory=ToneCounts)
    sources: list[SourceShare] = []


class Slope(msgspec.Struct, kw_only=True):
    """Least-squares slope of one metric over the points, with its 95% t-interval (n − 2 df)."""

    metric: str
    value: float | None = None
    low: float | None = None
    high: float | None = None
    points: int = 0
    unit: str = "per day"
    # True when the interval excludes 0: the metric moves beyond the day-to-day scatter.
    significant: bool | None = None
    reason: str | None = None


class TrendSeries(msgspec.Struct, kw_only=True):
    brand: str
    kind: BrandKind = "main"
    model: str = ""
    points: list[TrendPoint] = []
    slopes: list[Slope] = []


class TrendRun(msgspec.Struct, kw_only=True):
    """One slot of the monitor's history and whether its report entered the trend."""

    run_id: str | None = None
    slot: str = ""
    period: str = ""
    status: str = ""
    trigger: str = "schedule"
    used: bool = False
    reason: str | None = None


class TrendQuestion(msgspec.Struct, kw_only=True):
    text: str
    branded: bool = False
    # The tracked brands the question names (name or alias, case-insensitive).
    names: list[str] = []


class AlertMarker(msgspec.Struct, kw_only=True):
    """An alert from the monitor record, placed on the period of the run that raised it."""

    id: str = ""
    kind: str = ""
    brand: str | None = None
    model: str | None = None
    metric: str = ""
    period: str | None = None
    run_id: str = ""
    message: str = ""


class Trend(msgspec.Struct, kw_only=True):
    v: int = TREND_VERSION
    monitor: str = ""
    name: str = ""
    timezone: str = "UTC"
    period: Period = "day"
    slope_unit: str = "per day"
    generated_at: float = 0.0
    brand: str = ""
    brands: list[str] = []
    models: list[str] = []
    periods: list[str] = []
    questions: list[TrendQuestion] = []
    runs: list[TrendRun] = []
    series: list[TrendSeries] = []
    alerts: list[AlertMarker] = []
    # How each interval is computed, in words (shown in every rendering).
    methods: dict[str, str] = {}


trend_decoder = msgspec.json.Decoder(Trend)
