"""Formatting shared by the trend renderers (Markdown, HTML, CSV): one way to print each value."""

from __future__ import annotations

from shared.monitoring.trend_types import Estimate, Slope, TrendPoint, TrendSeries
from shared.report.fmt import DASH
from shared.report.types import Proportion

# (metric attribute, label, is a share 0..1 shown in %)
METRICS: tuple[tuple[str, str, bool], ...] = (
    ("visibility", "Visibility 可见度", True),
    ("first_rate", "First position 首位推荐率", True),
    ("avg_rank", "Average rank 平均排名", False),
    ("share_of_voice", "Share of voice 声量份额", True),
    ("share_of_voice_branded", "SoV, branded questions 品牌词问题", True),
    ("share_of_voice_unbranded", "SoV, non-branded questions 非品牌词问题", True),
    ("sentiment", "Sentiment 情感", False),
)
LABELS = {name: label for name, label, _ in METRICS}
PERCENT = {name for name, _, is_share in METRICS if is_share}


def value_of(point: TrendPoint, metric: str) -> Proportion | Estimate:
    found: Proportion | Estimate = getattr(point, metric)
    return found


def show(metric: str, value: float | None) -> str:
    if value is None:
        return DASH
    if metric in PERCENT:
        return f"{value * 100:.0f}%"
    return f"{value:+.2f}" if metric == "sentiment" else f"{value:.2f}"


def with_interval(metric: str, item: Proportion | Estimate) -> str:
    if item.value is None:
        return DASH
    text = show(metric, item.value)
    if item.low is not None and item.high is not None:
        text += f" ({show(metric, item.low)}…{show(metric, item.high)})"
    return text


def slope_text(slope: Slope) -> str:
    """A slope in the metric's own unit: percentage points for shares."""
    if slope.value is None or slope.low is None or slope.high is None:
        return f"{DASH} ({slope.reason})" if slope.reason else DASH
    scale, suffix = (100.0, " pts") if slope.metric in PERCENT else (1.0, "")
    verdict = "beyond noise" if slope.significant else "within noise"
    return (f"{slope.value * scale:+.2f}{suffix} {slope.unit} "
            f"({slope.low * scale:+.2f}…{slope.high * scale:+.2f}; {verdict})")


def slope_of(series: TrendSeries, metric: str) -> Slope | None:
    return next((s for s in series.slopes if s.metric == metric), None)
