"""``render_trend_markdown``: a monitor's trend as Markdown (escaped like the run report)."""

from __future__ import annotations

from shared.monitoring.trend_types import Trend, TrendSeries
from shared.report.fmt import DASH, md_cell, md_text, when
from shared.report.trend_fmt import LABELS, METRICS, slope_of, slope_text, value_of, with_interval

POINT_METRICS = ("visibility", "first_rate", "avg_rank", "share_of_voice", "share_of_voice_branded",
                 "share_of_voice_unbranded", "sentiment")


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers),
            *("| " + " | ".join(row) + " |" for row in rows), ""]


def _series(trend: Trend, series: TrendSeries) -> list[str]:
    lines = [f"### {md_text(series.brand)} ({series.kind}) · {md_text(series.model)}", ""]
    if not series.points:
        return [*lines, "No analysed answers in any period.", ""]
    headers = ["Period", "Answers", *(LABELS[m] for m in POINT_METRICS), "Tone +/=/−", "Top sources"]
    rows = []
    for point in series.points:
        sources = ", ".join(f"{s.domain} {with_interval('visibility', s.answers)}" for s in point.sources) or DASH
        marks = [a.kind for a in trend.alerts if a.period == point.period
                 and a.model in (None, series.model) and a.brand in (None, series.brand)]
        period = point.period + (f" ⚠ {', '.join(marks)}" if marks else "")
        rows.append([md_cell(period), str(point.answers),
                     *(md_cell(with_interval(m, value_of(point, m))) for m in POINT_METRICS),
                     f"{point.tones.positive}/{point.tones.neutral}/{point.tones.negative}", md_cell(sources)])
    lines += _table(headers, rows)
    slope_rows = [[LABELS[m], md_cell(slope_text(s))] for m in POINT_METRICS if (s := slope_of(series, m))]
    lines += _table(["Slope of", f"Least squares {md_text(trend.slope_unit)} (95% interval)"], slope_rows)
    return lines


def render_trend_markdown(trend: Trend) -> str:
    used = sum(1 for r in trend.runs if r.used)
    lines = [
        f"# Trend: {md_text(trend.name or trend.monitor)}", "",
        f"Monitor `{md_text(trend.monitor)}` · brand **{md_text(trend.brand)}** · models "
        f"{md_text(', '.join(trend.models)) or DASH} · one point per {'day' if trend.period == 'day' else 'slot'} "
        f"({md_text(trend.timezone)}) · {used} of {len(trend.runs)} runs used · generated {when(trend.generated_at)}",
        "",
        "Each value is followed by its 95% interval; a slope is shown from 4 points on.", "",
    ]
    branded = [q for q in trend.questions if q.branded]
    lines += ["## Questions", ""]
    lines += [f"- {'branded' if q.branded else 'non-branded'}: {md_text(q.text)}"
              + (f" (names {md_text(', '.join(q.names))})" if q.names else "") for q in trend.questions]
    lines += ["", f"{len(branded)} branded, {len(trend.questions) - len(branded)} non-branded.", ""]
    if trend.alerts:
        lines += ["## Alerts", ""]
        lines += [f"- {md_text(a.period or DASH)} · {md_text(a.kind)} · {md_text(a.brand or DASH)} · "
                  f"{md_text(a.model or DASH)}: {md_text(a.message)}" for a in trend.alerts]
        lines.append("")
    lines += ["## Series", ""]
    for series in trend.series:
        lines += _series(trend, series)
    lines += ["## Runs", ""]
    lines += _table(["Slot", "Period", "Run", "Status", "Used"],
                    [[md_cell(r.slot), md_cell(r.period), md_cell(r.run_id or DASH), md_cell(r.status),
                      "yes" if r.used else md_cell(f"no: {r.reason}")] for r in trend.runs])
    lines += ["## Methods", ""]
    lines += [f"- **{md_text(k)}**: {md_text(v)}" for k, v in trend.methods.items()]
    lines += ["", f"Metrics: {', '.join(label for _, label, _ in METRICS)}. Definitions: docs/monitors.md."]
    return "\n".join(lines) + "\n"
