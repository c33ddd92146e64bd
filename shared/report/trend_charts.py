"""Inline SVG line charts for the trend report: one line per brand, its 95% band, alert markers.

Same rules as shared/report/charts.py (no scripts, every text escaped). Points are spaced evenly
by period; a period with no value breaks the line and the band rather than being drawn as zero.
Elements carry classes (``band``, ``line``, ``point``, ``alert-marker``) and ``data-brand`` so
tests — and a reader's browser tools — can find each series.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shared.report.charts import COMPETITOR_COLOURS, MAIN_COLOUR, _label, _svg, esc, fit
from shared.report.trend_fmt import PERCENT, show

CHART_W = 470
CHART_H = 230
LEFT, RIGHT, TOP, BOTTOM = 52, 44, 40, 34
MARKER_COLOUR = "#dc2626"

Value = tuple[float, float | None, float | None] | None


@dataclass(frozen=True)
class Line:
    brand: str
    colour: str
    values: Sequence[Value]  # one per period, None = no value


@dataclass(frozen=True)
class Marker:
    period_index: int
    label: str


def colours(brands: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Main brand blue, competitors in the run report's order of colours."""
    out: dict[str, str] = {}
    competitor = 0
    for name, kind in brands:
        if kind == "main":
            out[name] = MAIN_COLOUR
        else:
            out[name] = COMPETITOR_COLOURS[competitor % len(COMPETITOR_COLOURS)]
            competitor += 1
    return out


def _y_range(metric: str, lines: Sequence[Line]) -> tuple[float, float, bool]:
    """(bottom value, top value, inverted?) — rank 1 is best, so it is drawn at the top."""
    if metric in PERCENT:
        return 0.0, 1.0, False
    if metric == "sentiment":
        return -1.0, 1.0, False
    # Scaled to the values, not the bands: one wide band (a rank seen once) would flatten every line;
    # bands beyond the axis are clipped to it.
    worst = max([item[0] for line in lines for item in line.values if item is not None] + [3.0])
    return 1.0, float(int(worst) + 2), True


def _segments(values: Sequence[Value], need_band: bool) -> list[list[int]]:
    runs: list[list[int]] = []
    current: list[int] = []
    for index, item in enumerate(values):
        ok = item is not None and (not need_band or (item[1] is not None and item[2] is not None))
        if ok:
            current.append(index)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def _bounds(item: Value) -> tuple[float, float]:
    assert item is not None and item[1] is not None and item[2] is not None  # _segments(need_band=True)
    return item[1], item[2]


def _centre(item: Value) -> float:
    assert item is not None
    return item[0]


def line_chart(metric: str, title: str, periods: Sequence[str], lines: Sequence[Line],
               markers: Sequence[Marker] = ()) -> str:
    plot_w, plot_h = CHART_W - LEFT - RIGHT, CHART_H - TOP - BOTTOM
    low_v, high_v, inverted = _y_range(metric, lines)

    def x(i: int) -> float:
        return LEFT + (plot_w * i / (len(periods) - 1) if len(periods) > 1 else plot_w / 2)

    def y(v: float) -> float:
        v = min(max(v, low_v), high_v)
        frac = (v - low_v) / (high_v - low_v)
        return TOP + (plot_h * frac if inverted else plot_h * (1 - frac))

    body = [_label(LEFT, 12, fit(title, CHART_W - LEFT), size=13)]
    lx = LEFT
    for line in lines:
        label = fit(line.brand, 90)
        body.append(f'<rect x="{lx:.1f}" y="21" width="10" height="10" rx="2" fill="{line.colour}"/>')
        body.append(_label(lx + 14, 26.5, label, size=11, cls="muted"))
        lx += 14 + len(label) * 9 + 14
    for step in range(5):
        v = low_v + (high_v - low_v) * step / 4
        yy = y(v)
        body.append(f'<line x1="{LEFT}" y1="{yy:.1f}" x2="{CHART_W - RIGHT}" y2="{yy:.1f}" class="grid"/>')
        body.append(_label(LEFT - 6, yy, show(metric, v), anchor="end", size=10, cls="muted"))
    ticks = max(1, len(periods) // 6 + (1 if len(periods) % 6 else 0))
    for i, period in enumerate(periods):
        if i % ticks == 0 or i == len(periods) - 1:
            # A day shows as MM-DD; a slot (ISO time) as MM-DD HH:MM:SS, since slots can be seconds apart.
            label = f"{period[5:10]} {period[11:19]}" if len(period) > 10 else period[5:]
            body.append(_label(x(i), CHART_H - BOTTOM + 14, label, anchor="middle", size=10, cls="muted"))
    for marker in markers:
        mx = x(marker.period_index)
        body.append(
            f'<g class="alert-marker"><title>{esc(marker.label)}</title>'
            f'<line x1="{mx:.1f}" y1="{TOP:.1f}" x2="{mx:.1f}" y2="{TOP + plot_h:.1f}" stroke="{MARKER_COLOUR}" '
            f'stroke-width="1.5" stroke-dasharray="4 3"/>'
            f'<path d="M{mx - 5:.1f},{TOP - 6:.1f} L{mx + 5:.1f},{TOP - 6:.1f} L{mx:.1f},{TOP + 2:.1f} Z" '
            f'fill="{MARKER_COLOUR}"/></g>'
        )
    for line in lines:
        brand = esc(line.brand)
        for segment in _segments(line.values, need_band=True):
            bounds = [_bounds(line.values[i]) for i in segment]
            xs = [x(i) for i in segment]
            if len(segment) == 1:  # a lone point: its band is a short vertical bar
                xs = [xs[0] - 3, xs[0] + 3]
                bounds = bounds * 2
            upper = [f"{bx:.1f},{y(high):.1f}" for bx, (_, high) in zip(xs, bounds, strict=True)]
            lower = [f"{bx:.1f},{y(low):.1f}" for bx, (low, _) in reversed(list(zip(xs, bounds, strict=True)))]
            body.append(f'<polygon class="band" data-brand="{brand}" points="{" ".join(upper + lower)}" '
                        f'fill="{line.colour}" fill-opacity="0.16" stroke="none"/>')
        for segment in _segments(line.values, need_band=False):
            coords = " ".join(f"{x(i):.1f},{y(_centre(line.values[i])):.1f}" for i in segment)
            body.append(f'<polyline class="line" data-brand="{brand}" points="{coords}" fill="none" '
                        f'stroke="{line.colour}" stroke-width="2"/>')
        for i, item in enumerate(line.values):
            if item is None:
                continue
            value, low, high = item
            band = f" ({show(metric, low)}…{show(metric, high)})" if low is not None and high is not None else ""
            body.append(f'<circle class="point" data-brand="{brand}" cx="{x(i):.1f}" cy="{y(value):.1f}" r="3" '
                        f'fill="{line.colour}"><title>{brand} {esc(periods[i])}: {esc(show(metric, value))}'
                        f'{esc(band)}</title></circle>')
    return _svg(CHART_H, body, title, width=CHART_W)
