"""``render_html``: one self-contained HTML file a brand owner can open offline.

Rules: inline CSS and inline SVG only (no scripts, no external fonts, images or links to
load), a CJK-friendly system font stack, and every piece of model or user text escaped with
``html.escape`` so an answer containing ``<script>`` shows as text. A Content-Security-Policy
meta tag forbids scripts and remote loads as a second line of defence.

This module is the page's order of sections and its header; the style and policy live in
html_style, the tables in html_tables, the answers in html_answers.
"""

from __future__ import annotations

from shared.report import charts, html_evidence
from shared.report.fmt import DASH, ci, main_brand, money, number, pct, share, signed, when
from shared.report.html_answers import answer_details
from shared.report.html_citations import citations_section, surface_badge
from shared.report.html_style import CSP, CSS, e
from shared.report.html_tables import (
    brand_table,
    cost_table,
    failures_table,
    group_table,
    review_section,
    self_report_section,
    source_table,
    stability_section,
)
from shared.report.judge_render import judge_html
from shared.report.markdown import headline
from shared.report.types import Report

# CSP, CSS and e are imported from here by the trend page and the tests: kept importable.
__all__ = ["CSP", "CSS", "e", "render_html"]


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
        "<section><h2>Brands 品牌</h2>" + brand_table(report.brands) + "</section>",
        "<section><h2>By model 按模型</h2>" + group_table(report.by_model, "Model") + "</section>",
        "<section><h2>By question 按问题</h2>" + group_table(report.by_question, "Question") + "</section>",
        "<section><h2>Sources 引用来源</h2>"
        f"<p class='note'>Answers citing any source: {e(pct(sources.answers_with_sources, interval=True))}</p>"
        "<div class='grid2'><div>"
        + source_table("Cited domains", [(s.name, s.answers) for s in sources.domains])
        + "</div><div>"
        + source_table("Named sources", [(s.name, s.answers) for s in sources.named])
        + "</div></div></section>",
        citations_section(report),
        "<section><h2>Failures 失败</h2>" + failures_table(report) + "</section>",
        "<section><h2>Cost 成本</h2>" + cost_table(report) + "</section>",
        "<section><h2>Sample agreement 采样一致性</h2>" + stability_section(report) + "</section>",
        "<section><h2>Self-report disagreements 自报不一致</h2>" + self_report_section(report) + "</section>",
        "<section><h2>Verdicts to review 待复核</h2>" + review_section(report) + "</section>",
        ("<section><h2>Judge (second opinion) 评审模型</h2>" + judge_html(report.judge) + "</section>"
         if report.judge is not None else ""),
        f"<section><h2>Answers 回答原文</h2><p class='note'>{e(html_evidence.NOTE)}</p>"
        + "".join(answer_details(c, report.brand.name, str(n)) for n, c in enumerate(report.cells))
        + "</section>",
        f"<footer>Generated {e(when(report.generated_at))} by brandlens · report v{report.v}"
        + (f" · re-analysed {e(when(report.reanalysed_at))}" if report.reanalysed_at is not None else "")
        + (f" · analyser {e(report.analyser_version)}" if report.analyser_version else "")
        + ". Metric "
        "definitions: docs/metrics.md.</footer>",
        "</main></body></html>",
    ]
    return "\n".join(parts) + "\n"
