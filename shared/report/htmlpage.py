"""``render_html``: one self-contained HTML file a brand owner can open offline.

Rules: inline CSS and inline SVG only (no scripts, no external fonts, images or links to
load), a CJK-friendly system font stack, and every piece of model or user text escaped with
``html.escape`` so an answer containing ``<script>`` shows as text. A Content-Security-Policy
meta tag forbids scripts and remote loads as a second line of defence.
"""

from __future__ import annotations

import html

from shared.report import charts, html_evidence
from shared.report.fmt import (
    DASH,
    GROUP_HEADERS,
    ci,
    group_label,
    group_values,
    interception,
    main_brand,
    money,
    number,
    pct,
    share,
    signed,
    when,
)
from shared.report.html_citations import citations_section, surface_badge
from shared.report.judge_render import judge_html
from shared.report.markdown import BRAND_HEADERS, REVIEW_ITEMS, headline
from shared.report.types import BrandMetrics, Breakdown, CellView, Report

CSS = """
:root { --ink:#0f172a; --muted:#64748b; --line:#e2e8f0; --bg:#f8fafc; --main:#2563eb; }
* { box-sizing:border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
  font-family:-apple-system,BlinkMacSystemFont,"Segoe UI","PingFang SC","Hiragino Sans GB",
  "Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei",
  "Helvetica Neue",Arial,sans-serif; font-size:14px; line-height:1.55; }
main { max-width:1080px; margin:0 auto; padding:28px 28px 60px; }
header h1 { font-size:26px; margin:0 0 4px; }
header .sub { color:var(--muted); }
.badge { display:inline-block; padding:1px 10px; border-radius:999px; font-size:12px; font-weight:600;
  vertical-align:middle; margin-left:8px; }
.badge.complete { background:#dcfce7; color:#166534; } .badge.partial { background:#fef9c3; color:#854d0e; }
.badge.failed { background:#fee2e2; color:#991b1b; }
.headline { font-size:17px; font-weight:600; margin:18px 0; padding:14px 18px; background:#fff;
  border-left:4px solid var(--main);
  border-radius:6px; box-shadow:0 1px 2px rgba(15,23,42,.06); }
.kpis { display:grid; grid-template-columns:repeat(4,1fr); gap:12px; margin:18px 0 8px; }
.kpi { background:#fff; border:1px solid var(--line); border-radius:10px; padding:12px 14px; }
.kpi .v { font-size:24px; font-weight:700; color:var(--ink); }
.kpi .l { color:var(--muted); font-size:12px; } .kpi .s { color:var(--muted); font-size:12px; }
section { background:#fff; border:1px solid var(--line); border-radius:10px; padding:16px 20px; margin:16px 0; }
h2 { font-size:17px; margin:0 0 10px; } h3 { font-size:14px; margin:14px 0 6px; color:var(--muted); }
.grid2 { display:grid; grid-template-columns:1fr 1fr; gap:16px; }
table { border-collapse:collapse; width:100%; font-size:13px; }
th, td { text-align:left; padding:6px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { color:var(--muted); font-weight:600; font-size:12px; white-space:nowrap; }
td.n { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
tr.main td { background:#eff6ff; font-weight:600; }
.muted { color:var(--muted); fill:var(--muted); }
.note { color:var(--muted); font-size:12px; }
svg.chart { display:block; max-width:100%; height:auto; margin:4px 0; }
svg.chart text { fill:var(--ink); font-family:inherit; }
svg.chart text.muted { fill:var(--muted); }
svg.chart text.on-bar, svg.chart text.on-dark { fill:#fff; font-weight:600; }
svg.chart .grid { stroke:var(--line); stroke-width:1; }
svg.chart .whisker { stroke:#334155; stroke-width:1.2; fill:none; opacity:.75; }
svg.chart .nodata { stroke:var(--line); stroke-dasharray:3 3; }
details { border:1px solid var(--line); border-radius:8px; margin:8px 0; background:#fff; }
summary { cursor:pointer; padding:8px 12px; font-weight:600; }
summary .st { font-weight:400; color:var(--muted); font-size:12px; }
.chip { display:inline-block; padding:0 8px; margin:0 6px; border-radius:999px; font-size:12px; font-weight:600; }
.chip.hit { background:#dbeafe; color:#1e40af; } .chip.miss { background:#f1f5f9; color:#64748b; }
.chip.fail { background:#fee2e2; color:#991b1b; }
.answer { white-space:pre-wrap; word-break:break-word; margin:0; padding:10px 14px 14px;
  border-top:1px solid var(--line); font-family:inherit; font-size:13px; }
.meta { padding:3px 14px; color:var(--muted); font-size:12px; }
.err { color:#991b1b; }
footer { color:var(--muted); font-size:12px; margin-top:24px; }
@media print { details { break-inside:avoid; } body { background:#fff; } }
"""

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'none'"


def e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _kpi(label: str, value: str, sub: str = "") -> str:
    return f'<div class="kpi"><div class="l">{e(label)}</div><div class="v">{e(value)}</div>' + (
        f'<div class="s">{e(sub)}</div></div>' if sub else "</div>"
    )


def _kpis(report: Report) -> str:
    main = main_brand(report.brands)
    total_cost = ", ".join(money(line.amount, line.currency) for line in report.cost.total) or DASH
    if main is None:
        return ""
    cards = [
        _kpi("Visibility 可见度", pct(main.visibility), f"95% CI {ci(main.visibility)} · n={main.visibility.n}"),
        _kpi("Average rank 平均排名", number(main.avg_rank), f"over {main.avg_rank.n} ranked answers"
             if main.avg_rank.value is not None else (main.avg_rank.reason or "")),
        _kpi("First position 首位推荐率", pct(main.first_rate), f"top-3 {pct(main.top3_rate)}"),
        _kpi("Share of voice 声量份额", share(main.share_of_voice),
             f"position-adjusted {share(main.impression_share)}"),
        _kpi("Sentiment 情感", signed(main.sentiment),
             f"+{main.tones.positive} / ={main.tones.neutral} / −{main.tones.negative}"),
        _kpi("Intercepted 被拦截", pct(main.intercepted), "a competitor ranked above or instead"),
        _kpi("Coverage 覆盖率", share(report.totals.coverage),
             f"{report.totals.ok} ok"
             + (f" + {report.totals.truncated} truncated" if report.totals.truncated else "")
             + f" of {report.totals.cells} cells"),
        _kpi("Cost 成本", total_cost, (report.cost.total[0].reason or "") if report.cost.total else ""),
    ]
    return '<div class="kpis">' + "".join(cards) + "</div>"


def _brand_table(brands: list[BrandMetrics]) -> str:
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


def _group_table(groups: list[Breakdown], first: str) -> str:
    head = "".join(f"<th>{e(h)}</th>" for h in [first, *GROUP_HEADERS])
    rows = [
        f"<tr><td>{e(group_label(group))}</td>"
        + "".join(f'<td class="n">{e(v)}</td>' for v in group_values(group))
        + "</tr>"
        for group in groups
    ]
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _source_table(title: str, items: list[tuple[str, int]]) -> str:
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


def _failures(report: Report) -> str:
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


def _cost(report: Report) -> str:
    lines = [*report.cost.by_model, *report.cost.total]
    rows = "".join(
        f"<tr><td>{e(line.model or 'run total')}</td><td class='n'>{e(money(line.amount, line.currency))}</td>"
        f"<td class='n'>{line.priced_cells}</td><td class='n'>{line.unpriced_cells}</td>"
        f"<td class='note'>{e(line.reason or '')}</td></tr>"
        for line in lines
    )
    return ("<table><thead><tr><th>Model</th><th>Cost</th><th>Priced cells</th><th>Unpriced cells</th>"
            f"<th>Note</th></tr></thead><tbody>{rows}</tbody></table>")


def _stability(report: Report) -> str:
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


def _self_report(report: Report) -> str:
    s = report.self_report
    items = "".join(
        f"<li><code>{e(d.cell_id)}</code> ({e(d.model)}): {e('; '.join(d.notes))}</li>" for d in s.disagreements
    )
    return (
        f"<p>{s.disagreement_count} answer(s) where the model's own geo_analysis block contradicts the "
        f"text, of {s.answers_with_self_report} with a self-report. The report always uses the text.</p>"
        + (f"<ul>{items}</ul>" if items else "")
    )


def _review(report: Report) -> str:
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


def _chip(cell: CellView, main_brand: str) -> str:
    """The main brand's standing in this answer, readable while the answer is collapsed."""
    if cell.analysis is None:
        kind = "fail" if cell.error is not None else "miss"
        return f"<span class='chip {kind}'>{e(cell.status)}</span>"
    found = cell.analysis.brands.get(main_brand)
    if found is None or not found.mentioned:
        return f"<span class='chip miss'>{e(main_brand)} absent</span>"
    rank = "mentioned" if found.rank is None else f"#{found.rank}"
    return f"<span class='chip hit'>{e(main_brand)} {e(rank)}</span>"


def _answer(cell: CellView, main_brand: str, key: str) -> str:
    meta = [f"status {cell.status}", f"attempts {cell.attempts}"]
    if cell.latency_ms is not None:
        meta.append(f"{cell.latency_ms / 1000:.1f} s")
    if cell.usage.output_tokens is not None:
        meta.append(f"{cell.usage.output_tokens} output tokens")
    if cell.cost is not None:
        meta.append(money(cell.cost, cell.currency))
    analysis = ""
    if cell.analysis is not None:
        # Name, rank and tone are labels that highlight their evidence (html_evidence, CSS only).
        analysis = f"<div class='meta'>{html_evidence.analysis_line(key, cell.analysis)}</div>"
    error = ""
    if cell.error is not None:
        error = f"<div class='meta err'>{e(cell.error.error_class)}: {e(cell.error.message)}</div>"
    body = cell.answer or "(no answer text)"
    return (
        f"<details><summary>Q{cell.question_index + 1} · {e(cell.model)} · sample {cell.sample} "
        f"{_chip(cell, main_brand)} <span class='st'>{e(cell.status)} · {e(cell.cell_id)}</span></summary>"
        f"{html_evidence.pickers(key, cell.analysis)}"
        f"<div class='meta'>{e(cell.question)}</div><div class='meta'>{e(' · '.join(meta))}</div>"
        f"{analysis}{error}<pre class='answer'>{html_evidence.answer_html(body, cell.analysis)}</pre></details>"
    )


def render_html(report: Report) -> str:
    competitors = ", ".join(c.name for c in report.competitors) or DASH
    sources = report.sources
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(report.brand.name)} · AI brand visibility report</title>",
        f"<style>{CSS}{html_evidence.css(html_evidence.brand_slots(c.analysis for c in report.cells))}</style>"
        "</head><body><main>",
        f"<header><h1>{e(report.brand.name)} <span class='badge {e(report.status)}'>{e(report.status)}</span></h1>",
        f"<div class='sub'>AI brand visibility report · competitors: {e(competitors)} · models: "
        f"{e(', '.join(report.models))} · {len(report.questions)} question(s) × {report.samples} sample(s)</div>",
        f"<div class='sub'>Run {e(report.run_id)} · created {e(when(report.created_at))} · finished "
        f"{e(when(report.finished_at))}" + (f" · {e(report.reason)}" if report.reason else "") + "</div></header>",
        surface_badge(report),
        f"<div class='headline'>{e(headline(report))}</div>",
        _kpis(report),
        "<section><h2>Visibility by model 各模型可见度</h2>"
        "<p class='note'>Share of analysed answers that mention each brand; whiskers are 95% Wilson intervals."
        "</p>" + charts.visibility_by_model(report.by_model, report.brands) + "</section>",
        "<section class='grid2'><div><h2>Share of voice 声量份额</h2>"
        + charts.share_of_voice(report.brands)
        + "</div><div><h2>Sentiment 情感分布</h2>"
        + charts.sentiment_distribution(report.brands)
        + "</div></section>",
        "<section><h2>Rank heatmap 排名热力图 (question × model)</h2>"
        f"<p class='note'>Average rank of {e(report.brand.name)} among the recommended options (darker = "
        "higher); “seen” is its visibility in that cell group.</p>" + charts.rank_heatmap(report.matrix) + "</section>",
        "<section><h2>Brands 品牌</h2>" + _brand_table(report.brands) + "</section>",
        "<section><h2>By model 按模型</h2>" + _group_table(report.by_model, "Model") + "</section>",
        "<section><h2>By question 按问题</h2>" + _group_table(report.by_question, "Question") + "</section>",
        "<section><h2>Sources 引用来源</h2>"
        f"<p class='note'>Answers citing any source: {e(pct(sources.answers_with_sources, interval=True))}</p>"
        "<div class='grid2'><div>"
        + _source_table("Cited domains", [(s.name, s.answers) for s in sources.domains])
        + "</div><div>"
        + _source_table("Named sources", [(s.name, s.answers) for s in sources.named])
        + "</div></div></section>",
        citations_section(report),
        "<section><h2>Failures 失败</h2>" + _failures(report) + "</section>",
        "<section><h2>Cost 成本</h2>" + _cost(report) + "</section>",
        "<section><h2>Sample agreement 采样一致性</h2>" + _stability(report) + "</section>",
        "<section><h2>Self-report disagreements 自报不一致</h2>" + _self_report(report) + "</section>",
        "<section><h2>Verdicts to review 待复核</h2>" + _review(report) + "</section>",
        ("<section><h2>Judge (second opinion) 评审模型</h2>" + judge_html(report.judge) + "</section>"
         if report.judge is not None else ""),
        f"<section><h2>Answers 回答原文</h2><p class='note'>{e(html_evidence.NOTE)}</p>"
        + "".join(_answer(c, report.brand.name, str(n)) for n, c in enumerate(report.cells))
        + "</section>",
        f"<footer>Generated {e(when(report.generated_at))} by brandlens · report v{report.v}"
        + (f" · re-analysed {e(when(report.reanalysed_at))}" if report.reanalysed_at is not None else "")
        + (f" · analyser {e(report.analyser_version)}" if report.analyser_version else "")
        + ". Metric "
        "definitions: docs/metrics.md.</footer>",
        "</main></body></html>",
    ]
    return "\n".join(parts) + "\n"
