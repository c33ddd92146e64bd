"""``render_trend_html``: a monitor's trend as one self-contained HTML page.

Same page rules and CSS as the run report (shared/report/htmlpage.py): no scripts, inline SVG,
every user or model text escaped, a CSP meta tag. Per model: one line chart per metric with a
line per brand, its 95% band and the alerts of that model as red markers; then the slopes.
"""

from __future__ import annotations

from shared.monitoring.trend_types import AlertMarker, Trend, TrendPoint, TrendSeries
from shared.report.fmt import DASH, when
from shared.report.htmlpage import CSP, CSS, e
from shared.report.trend_charts import Line, Marker, colours, line_chart
from shared.report.trend_fmt import LABELS, slope_of, slope_text, value_of, with_interval

CHARTED = ("visibility", "first_rate", "avg_rank", "share_of_voice", "share_of_voice_branded",
           "share_of_voice_unbranded", "sentiment")
TREND_CSS = """
.charts { display:grid; grid-template-columns:1fr 1fr; gap:8px 16px; }
.alert { color:#991b1b; } .sig { font-weight:600; }
"""


def _markers(trend: Trend, model: str, brands: set[str]) -> list[Marker]:
    index = {p: i for i, p in enumerate(trend.periods)}
    return [Marker(index[a.period], f"{a.kind} · {a.brand or ''} · {a.message}")
            for a in trend.alerts
            if a.period in index and a.model in (None, model) and (a.brand is None or a.brand in brands)]


def _model_section(trend: Trend, model: str, series: list[TrendSeries], palette: dict[str, str]) -> str:
    charts = []
    for metric in CHARTED:
        lines = []
        for s in series:
            by_period = {p.period: value_of(p, metric) for p in s.points}
            values = [(item.value, item.low, item.high) if (item := by_period.get(p)) is not None
                      and item.value is not None else None for p in trend.periods]
            lines.append(Line(s.brand, palette[s.brand], values))
        charts.append(f'<div class="trend-chart" data-metric="{e(metric)}" data-model="{e(model)}">'
                      + line_chart(metric, LABELS[metric], trend.periods, lines,
                                   _markers(trend, model, {s.brand for s in series})) + "</div>")
    # Metrics as rows, brands as columns: there are fewer brands than metrics, so the table fits.
    head = "".join(f"<th{' class=main' if s.kind == 'main' else ''}>{e(s.brand)}</th>" for s in series)
    rows = []
    for m in CHARTED:
        cells = []
        for s in series:
            slope = slope_of(s, m)
            klass = " class='sig'" if slope is not None and slope.significant else ""
            cells.append(f"<td{klass}>{e(slope_text(slope) if slope else DASH)}</td>")
        rows.append(f"<tr><td>{e(LABELS[m])}</td>{''.join(cells)}</tr>")
    return (
        f"<section class='model' data-model='{e(model)}'><h2>{e(model)}</h2>"
        "<p class='note'>Lines are the value per period; the shaded band is its 95% interval; red markers "
        "are alerts.</p>"
        f"<div class='charts'>{''.join(charts)}</div>"
        f"<h3>Slopes ({e(trend.slope_unit)}, least squares, 95% interval)</h3>"
        f"<table class='slopes'><thead><tr><th>Metric</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        + _points_table(trend, series) + "</section>"
    )


def _sources(point: TrendPoint) -> str:
    return ", ".join(f"{s.domain} {with_interval('visibility', s.answers)}" for s in point.sources) or DASH


def _points_table(trend: Trend, series: list[TrendSeries]) -> str:
    blocks = []
    for s in series:
        rows = "".join(
            f"<tr><td>{e(p.period)}</td><td class='n'>{p.answers}</td>"
            + "".join(f"<td class='n'>{e(with_interval(m, value_of(p, m)))}</td>" for m in CHARTED)
            + f"<td class='n'>{p.tones.positive}/{p.tones.neutral}/{p.tones.negative}</td>"
            f"<td>{e(_sources(p))}</td></tr>"
            for p in s.points
        )
        head = "".join(f"<th>{e(LABELS[m])}</th>" for m in CHARTED)
        blocks.append(
            f"<details><summary>{e(s.brand)} · {e(s.model)} <span class='st'>{len(s.points)} points</span></summary>"
            f"<table class='points'><thead><tr><th>Period</th><th>Answers</th>{head}<th>Tone +/=/−</th>"
            f"<th>Top sources</th></tr></thead><tbody>{rows}</tbody></table></details>"
        )
    return "".join(blocks)


def _alerts(alerts: list[AlertMarker]) -> str:
    if not alerts:
        return "<p class='note'>No alerts recorded for this monitor.</p>"
    items = "".join(
        f"<li class='alert'><b>{e(a.kind)}</b> · {e(a.period or DASH)} · {e(a.brand or DASH)} · "
        f"{e(a.model or DASH)}: {e(a.message)}</li>" for a in alerts
    )
    return f"<ul class='alerts'>{items}</ul>"


def _runs(trend: Trend) -> str:
    rows = "".join(
        f"<tr><td>{e(r.slot)}</td><td>{e(r.period)}</td><td>{e(r.run_id or DASH)}</td><td>{e(r.status)}</td>"
        f"<td>{'yes' if r.used else e('no: ' + (r.reason or ''))}</td></tr>" for r in trend.runs
    )
    return ("<table class='runs'><thead><tr><th>Slot</th><th>Period</th><th>Run</th><th>Status</th><th>Used</th>"
            f"</tr></thead><tbody>{rows}</tbody></table>")


def render_trend_html(trend: Trend) -> str:
    kinds = {s.brand: s.kind for s in trend.series}
    palette = colours([(b, kinds.get(b, "competitor")) for b in trend.brands])
    questions = "".join(
        f"<li>{'branded' if q.branded else 'non-branded'}: {e(q.text)}</li>" for q in trend.questions
    )
    sections = [
        _model_section(trend, model, [s for s in trend.series if s.model == model], palette)
        for model in trend.models
    ]
    used = sum(1 for r in trend.runs if r.used)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(trend.brand)} · trend · {e(trend.name or trend.monitor)}</title>",
        f"<style>{CSS}{TREND_CSS}</style></head><body><main>",
        f"<header><h1>{e(trend.brand)} <span class='badge complete'>trend</span></h1>",
        f"<div class='sub'>Monitor {e(trend.name)} ({e(trend.monitor)}) · models {e(', '.join(trend.models))} · "
        f"one point per {'day' if trend.period == 'day' else 'slot'} in {e(trend.timezone)}</div>",
        f"<div class='sub'>{len(trend.periods)} period(s) · {used} of {len(trend.runs)} runs used</div></header>",
        "<div class='headline'>Each value has its 95% interval (the band); a slope is shown only from 4 points "
        "on, and is called beyond noise only when its interval excludes zero.</div>",
        "<section><h2>Alerts 告警</h2>" + _alerts(trend.alerts) + "</section>",
        *sections,
        f"<section><h2>Questions 问题</h2><ul>{questions}</ul></section>",
        "<section><h2>Runs 运行</h2>" + _runs(trend) + "</section>",
        "<section><h2>Methods 方法</h2><ul>"
        + "".join(f"<li><b>{e(k)}</b>: {e(v)}</li>" for k, v in trend.methods.items()) + "</ul></section>",
        f"<footer>Generated {e(when(trend.generated_at))} by brandlens · trend v{trend.v}. "
        "How to read it: docs/monitors.md (Trends).</footer>",
        "</main></body></html>",
    ]
    return "\n".join(parts) + "\n"
