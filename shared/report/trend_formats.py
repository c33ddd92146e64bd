"""One entry point from a format name to the bytes of a trend (CLI and tests)."""

from __future__ import annotations

import msgspec

from shared.monitoring.trend_types import Trend
from shared.report.trend_csv import render_trend_csv
from shared.report.trend_html import render_trend_html
from shared.report.trend_markdown import render_trend_markdown

TREND_FORMATS: tuple[str, ...] = ("json", "md", "html", "csv")


def render_trend(trend: Trend, fmt: str) -> bytes:
    if fmt == "json":
        return msgspec.json.encode(trend)
    if fmt == "md":
        return render_trend_markdown(trend).encode()
    if fmt == "html":
        return render_trend_html(trend).encode()
    if fmt == "csv":
        return render_trend_csv(trend).encode()
    raise ValueError(f"unknown trend format {fmt!r}; use one of {', '.join(TREND_FORMATS)}")
