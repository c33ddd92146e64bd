"""``render_markdown``: the report as a readable Markdown document.

Model and user text is HTML-escaped everywhere (Markdown viewers render inline HTML, and an
answer is untrusted text), and table cells also escape ``|`` and newlines so a brand name or
question can never break the table layout.
"""

from __future__ import annotations

from shared.report.citations_md import citations_markdown, surface_line
from shared.report.fmt import (
    DASH,
    GROUP_HEADERS,
    ci,
    group_label,
    group_values,
    interception,
    main_brand,
    md_cell,
    md_text,
    money,
    number,
    pct,
    share,
    signed,
    when,
)
from shared.report.judge_render import judge_markdown
from shared.report.types import BrandMetrics, Breakdown, CellView, Report


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def headline(report: Report) -> str:
    main = main_brand(report.brands)
    name = report.brand.name
    if main is None or main.visibility.value is None:
        reason = main.visibility.reason if main else "no brand metrics"
        return f"No visibility figure for {name}: {reason}."
    text = (
        f"{name} was mentioned in {pct(main.visibility)} of {main.visibility.n} analysed answers "
        f"(95% interval {ci(main.visibility)})"
    )
    if main.avg_rank.value is not None:
        text += f", average rank {number(main.avg_rank)} when listed"
    text += f", recommended first in {pct(main.first_rate)} (首位推荐率)."
    return text


def _brand_rows(brands: list[BrandMetrics]) -> list[list[str]]:
    return [
        [
            md_cell(b.brand),
            b.kind,
            pct(b.visibility, interval=True),
            str(b.mentions),
            number(b.avg_rank),
            pct(b.first_rate),
            pct(b.top3_rate),
            share(b.share_of_voice),
            share(b.impression_share),
            signed(b.sentiment),
            f"{b.tones.positive}/{b.tones.neutral}/{b.tones.negative}",
            interception(b),
        ]
        for b in brands
    ]


BRAND_HEADERS = [
    "Brand",
    "Kind",
    "Visibility (95% CI)",
    "Mentions",
    "Avg rank",
    "First (首位)",
    "Top-3",
    "SOV",
    "SOV pos-adj",
    "Sentiment",
    "+/=/−",
    "Interception",
]


def _group_rows(groups: list[Breakdown]) -> list[list[str]]:
    return [[md_cell(group_label(group)), *group_values(group)] for group in groups]


def _matrix(report: Report) -> list[str]:
    if not report.matrix:
        return ["No cells.", ""]
    models = list(dict.fromkeys(m.model for m in report.matrix))
    rows: dict[int, list[str]] = {}
    for entry in report.matrix:
        row = rows.setdefault(entry.question_index, [f"Q{entry.question_index + 1} {md_cell(entry.question)}"])
        if entry.analysed == 0:
            row.append(DASH)
        else:
            rank = "not ranked" if entry.avg_rank.value is None else f"#{number(entry.avg_rank)}"
            row.append(f"{pct(entry.visibility)} · {rank}")
    return _table(["Question", *[md_cell(m) for m in models]], list(rows.values()))


def _answer_block(cell: CellView) -> list[str]:
    summary = f"Q{cell.question_index + 1} · {md_text(cell.model)} · sample {cell.sample} · {cell.status}"
    lines = ["<details>", f"<summary>{summary} ({md_text(cell.cell_id)})</summary>", ""]
    if cell.analysis is not None:
        main = next(iter(cell.analysis.brands.values()), None)
        if main is not None:
            rank = DASH if main.rank is None else str(main.rank)
            lines.append(
                f"Main brand: mentioned={main.mentioned}, rank={rank}, tone={main.tone or DASH}; "
                f"intercepted by: {md_text(', '.join(cell.analysis.intercepted_by)) or DASH}"
            )
            lines.append("")
    if cell.error is not None:
        lines += [f"Error: `{md_text(cell.error.error_class)}` {md_text(cell.error.message)}", ""]
    body = cell.answer if cell.answer else "(no answer text)"
    lines += ["> " + md_text(line) for line in body.splitlines()]
    lines += ["", "</details>", ""]
    return lines


# The review list in Markdown and HTML stops here; report.json keeps every item.
REVIEW_ITEMS = 200


def render_markdown(report: Report) -> str:
    out = [f"# AI brand visibility report: {md_text(report.brand.name)}", ""]
    competitors = ", ".join(md_text(c.name) for c in report.competitors) or DASH
    out += [
        f"**{headline_md(report)}**",
        "",
        f"- Run `{md_text(report.run_id)}` · status **{report.status}**"
        + (f" ({md_text(report.reason)})" if report.reason else ""),
        f"- Competitors: {competitors}",
        f"- Models: {', '.join(md_text(m) for m in report.models)} · questions: {len(report.questions)}"
        f" · samples: {report.samples}",
        f"- Cells: {report.totals.cells} · ok {report.totals.ok}"
        + (f" · truncated {report.totals.truncated}" if report.totals.truncated else "")
        + f" · answered {report.totals.answered}"
        f" · failed {report.totals.failed} · missing {report.totals.missing}"
        f" · coverage {share(report.totals.coverage)}",
        f"- Created {when(report.created_at)} · finished {when(report.finished_at)}"
        f" · generated {when(report.generated_at)}"
        + (f" · re-analysed {when(report.reanalysed_at)}" if report.reanalysed_at is not None else "")
        + (f" · analyser {md_text(report.analyser_version)}" if report.analyser_version else ""),
        surface_line(report),
        "",
        "## Brands",
        "",
        *_table(BRAND_HEADERS, _brand_rows(report.brands)),
        "## By model",
        "",
        *_table(["Model", *GROUP_HEADERS], _group_rows(report.by_model)),
        "## By question",
        "",
        *_table(["Question", *GROUP_HEADERS], _group_rows(report.by_question)),
        "## Question × model (main-brand visibility · average rank)",
        "",
        *_matrix(report),
        "## Sources",
        "",
        f"Answers citing any source: {pct(report.sources.answers_with_sources, interval=True)}",
        "",
    ]
    if report.sources.domains:
        out += _table(["Domain", "Answers"], [[md_cell(s.name), str(s.answers)] for s in report.sources.domains])
    if report.sources.named:
        out += _table(["Named source", "Answers"], [[md_cell(s.name), str(s.answers)] for s in report.sources.named])
    out += citations_markdown(report)
    out += ["## Cost", ""]
    cost_rows = [
        [md_cell(line.model or "run total"), money(line.amount, line.currency), str(line.priced_cells),
         str(line.unpriced_cells), md_cell(line.reason or "")]
        for line in [*report.cost.by_model, *report.cost.total]
    ]
    out += _table(["Model", "Cost", "Priced cells", "Unpriced cells", "Note"], cost_rows)
    out += _stability(report)
    out += ["## Self-report disagreements", ""]
    summary = report.self_report
    out.append(
        f"{summary.disagreement_count} answer(s) where the model's own geo_analysis block contradicts "
        f"the text (of {summary.answers_with_self_report} with a self-report)."
    )
    out.append("")
    for item in summary.disagreements:
        out.append(f"- `{md_text(item.cell_id)}` ({md_text(item.model)}): {md_text('; '.join(item.notes))}")
    out += ["", "## Verdicts to review", ""]
    out.append(
        "Unsure verdicts (ambiguous by the labelling guide: mixed tone, a shared header, a brand inside "
        "another option, …) per model; the figures above include them unchanged."
    )
    out.append("")
    out += _table(["Model", "Verdicts", "Unsure"],
                  [[md_cell(c.model), str(c.verdicts), str(c.unsure)] for c in report.review.by_model])
    for review in report.review.items[:REVIEW_ITEMS]:
        rank = "unranked" if review.rank is None else f"rank {review.rank}"
        out.append(f"- `{md_text(review.cell_id)}` Q{review.question_index + 1} {md_text(review.model)} · "
                   f"{md_text(review.brand)}: {rank}, {review.tone} — {md_text(', '.join(review.reasons))}")
    if len(report.review.items) > REVIEW_ITEMS:
        out.append(f"- … {len(report.review.items) - REVIEW_ITEMS} more in report.json (`review.items`)")
    out.append("")
    if report.judge is not None:
        out += judge_markdown(report.judge)
    out += ["## Failures", ""]
    if report.failures:
        out += _table(
            ["Cell", "Question", "Model", "Sample", "Status", "Attempts", "Reason"],
            [[md_cell(f.cell_id), f"Q{f.question_index + 1}", md_cell(f.model), str(f.sample), f.status,
              str(f.attempts), md_cell(f.reason or "")] for f in report.failures],
        )
    else:
        out += ["No failed cells.", ""]
    out += ["## Answers", ""]
    for cell in report.cells:
        out += _answer_block(cell)
    return "\n".join(out).rstrip() + "\n"


def headline_md(report: Report) -> str:
    return md_text(headline(report))


def _stability(report: Report) -> list[str]:
    out = ["## Sample agreement", ""]
    stability = report.stability
    if stability.reason:
        return [*out, md_text(stability.reason), ""]
    out.append(
        f"Mean agreement on mention {share(stability.mention_agreement)}, on rank "
        f"{share(stability.rank_agreement)}; mean 95% interval width {share(stability.interval_width)}."
    )
    out.append("")
    out += _table(
        ["Question", "Model", "Samples", "Mention agreement", "Rank agreement", "Interval width"],
        [[f"Q{g.question_index + 1}", md_cell(g.model), str(g.samples), share(g.mention_agreement),
          share(g.rank_agreement), share(g.interval_width)] for g in stability.groups],
    )
    return out

