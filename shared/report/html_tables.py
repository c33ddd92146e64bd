"""The HTML report's tables: brands, breakdowns by model and question, sources, failures,
cost, sample agreement, self-report disagreements and verdicts to review.

Every piece of model or user text is escaped with ``e`` (``html.escape``).
"""

from __future__ import annotations

from shared.report.fmt import (
    GROUP_HEADERS,
    group_label,
    group_values,
    interception,
    money,
    number,
    pct,
    share,
    signed,
)
from shared.report.html_style import e
from shared.report.markdown import BRAND_HEADERS, REVIEW_ITEMS
from shared.report.types import BrandMetrics, Breakdown, Report


def brand_table(brands: list[BrandMetrics]) -> str:
    head = "".join(f"<th>{e(h)}</th>" for h in BRAND_HEADERS)
    rows = []
    for b in brands:
        cells = [
            f"<td>{e(b.brand)}</td>",
            f"<td>{e(b.kind)}</td>",
            f'<td class="n">{e(pct(b.visibility, interval=True))}</td>',
            f'<td class="n">{b.mentions}</td>',
            f'<td class="n" title="{e(b.avg_rank.reason or "")}">{e(number(b.avg_rank))}</td>',
            f'<td class="n">{e(pct(b.first_rate))}</td>',
            f'<td class="n">{e(pct(b.top3_rate))}</td>',
            f'<td class="n">{e(share(b.share_of_voice))}</td>',
            f'<td class="n">{e(share(b.impression_share))}</td>',
            f'<td class="n" title="{e(b.sentiment.reason or "")}">{e(signed(b.sentiment))}</td>',
            f'<td class="n">{b.tones.positive}/{b.tones.neutral}/{b.tones.negative}</td>',
            f'<td class="n">{e(interception(b))}</td>',
        ]
        klass = ' class="main"' if b.kind == "main" else ""
        rows.append(f"<tr{klass}>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def group_table(groups: list[Breakdown], first: str) -> str:
    head = "".join(f"<th>{e(h)}</th>" for h in [first, *GROUP_HEADERS])
    rows = [
        f"<tr><td>{e(group_label(group))}</td>"
        + "".join(f'<td class="n">{e(v)}</td>' for v in group_values(group))
        + "</tr>"
        for group in groups
    ]
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def source_table(title: str, items: list[tuple[str, int]]) -> str:
    if not items:
        return f"<h3>{e(title)}</h3><p class='note'>None cited.</p>"
    peak = max(count for _, count in items)
    rows = "".join(
        f"<tr><td>{e(name)}</td><td class='n'>{count}</td>"
        f"<td style='width:40%'><div style='background:#93c5fd;height:8px;border-radius:4px;"
        f"width:{100 * count / peak:.0f}%'></div></td></tr>"
        for name, count in items
    )
    return f"<h3>{e(title)}</h3><table><thead><tr><th>Name</th><th>Answers</th><th></th></tr></thead>" \
        f"<tbody>{rows}</tbody></table>"


def failures_table(report: Report) -> str:
    if not report.failures:
        return "<p class='note'>No failed cells.</p>"
    rows = "".join(
        f"<tr><td>{e(f.cell_id)}</td><td>Q{f.question_index + 1}</td><td>{e(f.model)}</td>"
        f"<td class='n'>{f.sample}</td><td class='err'>{e(f.status)}</td><td class='n'>{f.attempts}</td>"
        f"<td>{e(f.reason or '')}</td></tr>"
        for f in report.failures
    )
    return ("<table><thead><tr><th>Cell</th><th>Question</th><th>Model</th><th>Sample</th><th>Status</th>"
            f"<th>Attempts</th><th>Reason</th></tr></thead><tbody>{rows}</tbody></table>")


def cost_table(report: Report) -> str:
    lines = [*report.cost.by_model, *report.cost.total]
    rows = "".join(
        f"<tr><td>{e(line.model or 'run total')}</td><td class='n'>{e(money(line.amount, line.currency))}</td>"
        f"<td class='n'>{line.priced_cells}</td><td class='n'>{line.unpriced_cells}</td>"
        f"<td class='note'>{e(line.reason or '')}</td></tr>"
        for line in lines
    )
    return ("<table><thead><tr><th>Model</th><th>Cost</th><th>Priced cells</th><th>Unpriced cells</th>"
            f"<th>Note</th></tr></thead><tbody>{rows}</tbody></table>")


def stability_section(report: Report) -> str:
    s = report.stability
    if s.reason:
        return f"<p class='note'>{e(s.reason)}</p>"
    rows = "".join(
        f"<tr><td>Q{g.question_index + 1}</td><td>{e(g.model)}</td><td class='n'>{g.samples}</td>"
        f"<td class='n'>{e(share(g.mention_agreement))}</td><td class='n'>{e(share(g.rank_agreement))}</td>"
        f"<td class='n'>{e(share(g.interval_width))}</td></tr>"
        for g in s.groups
    )
    return (
        f"<p>Mean agreement on mention <b>{e(share(s.mention_agreement))}</b>, on rank "
        f"<b>{e(share(s.rank_agreement))}</b>; mean 95% interval width {e(share(s.interval_width))}.</p>"
        "<table><thead><tr><th>Question</th><th>Model</th><th>Samples</th><th>Mention agreement</th>"
        f"<th>Rank agreement</th><th>Interval width</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def self_report_section(report: Report) -> str:
    s = report.self_report
    items = "".join(
        f"<li><code>{e(d.cell_id)}</code> ({e(d.model)}): {e('; '.join(d.notes))}</li>" for d in s.disagreements
    )
    return (
        f"<p>{s.disagreement_count} answer(s) where the model's own geo_analysis block contradicts the "
        f"text, of {s.answers_with_self_report} with a self-report. The report always uses the text.</p>"
        + (f"<ul>{items}</ul>" if items else "")
    )


def review_section(report: Report) -> str:
    counts = "".join(
        f"<tr><td>{e(c.model)}</td><td class='n'>{c.verdicts}</td><td class='n'>{c.unsure}</td></tr>"
        for c in report.review.by_model
    )
    items = "".join(
        f"<li><code>{e(r.cell_id)}</code> Q{r.question_index + 1} {e(r.model)} · {e(r.brand)}: "
        f"{'unranked' if r.rank is None else f'rank {r.rank}'}, {e(r.tone)} — {e(', '.join(r.reasons))}</li>"
        for r in report.review.items[:REVIEW_ITEMS]
    )
    more = len(report.review.items) - REVIEW_ITEMS
    return (
        "<p class='note'>Unsure verdicts are ambiguous by the labelling guide (mixed tone, a shared header, a "
        "brand inside another option, …); the figures above include them unchanged.</p>"
        "<table><thead><tr><th>Model</th><th>Verdicts</th><th>Unsure</th></tr></thead>"
        f"<tbody>{counts}</tbody></table>"
        + (f"<ul>{items}</ul>" if items else "")
        + (f"<p class='note'>… {more} more in report.json (review.items).</p>" if more > 0 else "")
    )
