"""``render_trend_csv``: one row per brand × model × period, every value beside its interval.

Same spreadsheet safety as cells.csv (``safe_text``): brand names and domains are user or model
text. Shares are fractions 0..1 (not %), so a spreadsheet can chart them directly; an empty
bound means "no interval" (see the matching ``*_reason`` column in the JSON).
"""

from __future__ import annotations

import csv
import io

from shared.monitoring.trend_types import Trend
from shared.report.csvout import safe_text
from shared.report.trend_fmt import METRICS, value_of

BASE_COLUMNS = ["monitor", "brand", "kind", "model", "period", "runs", "answers", "questions"]


def columns() -> list[str]:
    metric_columns = [f"{name}{suffix}" for name, _, _ in METRICS for suffix in ("", "_low", "_high", "_n")]
    return [*BASE_COLUMNS, *metric_columns, "positive", "neutral", "negative", "top_sources",
            "alerts"]


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


def render_trend_csv(trend: Trend) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns())
    for series in trend.series:
        for point in series.points:
            alerts = [a.kind for a in trend.alerts if a.period == point.period
                      and a.model in (None, series.model) and a.brand in (None, series.brand)]
            row = [safe_text(trend.monitor), safe_text(series.brand), series.kind, safe_text(series.model),
                   point.period, str(len(point.runs)), str(point.answers), str(point.questions)]
            for name, _, _ in METRICS:
                item = value_of(point, name)
                row += [_num(item.value), _num(item.low), _num(item.high), str(item.n)]
            row += [str(point.tones.positive), str(point.tones.neutral), str(point.tones.negative),
                    safe_text("; ".join(f"{s.domain} {_num(s.answers.value)}" for s in point.sources)),
                    safe_text("; ".join(alerts))]
            writer.writerow(row)
    return out.getvalue()
