"""``compare_reports``: what changed between two runs, and whether it is more than noise.

Significance: a two-proportion z-test (pooled, two-sided, 95%: |z| > 1.96) on visibility.
Why not "Wilson intervals do not overlap": that rule is far more conservative than a 95% test
(two intervals can overlap while the difference is clearly significant), so it would hide
real changes. Rank changes are reported as deltas without a test: ranks are small ordinal
samples and a t-test on them would claim a precision the data does not have.
"""

from __future__ import annotations

import unicodedata

from shared.report.fmt import DASH, number, pct, signed
from shared.report.stats import Z95, normal_two_sided_p, two_proportion_z
from shared.report.types import BrandDelta, BrandMetrics, Comparison, Metric, Proportion, Report


def _delta(a: float | None, b: float | None, reason: str) -> Metric:
    if a is None or b is None:
        return Metric(value=None, reason=reason)
    return Metric(value=b - a, n=2)


def _brand_delta(brand: str, model: str | None, a: BrandMetrics | None, b: BrandMetrics | None) -> BrandDelta:
    vis_a = a.visibility if a else Proportion(reason="brand not in report A")
    vis_b = b.visibility if b else Proportion(reason="brand not in report B")
    rank_a = a.avg_rank if a else Metric(reason="brand not in report A")
    rank_b = b.avg_rank if b else Metric(reason="brand not in report B")
    delta = BrandDelta(
        brand=brand,
        model=model,
        visibility_a=vis_a,
        visibility_b=vis_b,
        visibility_delta=_delta(vis_a.value, vis_b.value, "visibility missing on one side"),
        rank_a=rank_a,
        rank_b=rank_b,
        rank_delta=_delta(rank_a.value, rank_b.value, "never ranked on one side"),
    )
    if vis_a.n == 0 or vis_b.n == 0:
        delta.reason = "no analysed answers on one side: no test possible"
        return delta
    z = two_proportion_z(vis_a.k, vis_a.n, vis_b.k, vis_b.n)
    if z is None:
        delta.significant = False
        delta.reason = "identical 0% or 100% on both sides: no variance"
        return delta
    delta.z = z
    delta.p_value = normal_two_sided_p(z)
    delta.significant = abs(z) > Z95
    return delta


def _by_name(brands: list[BrandMetrics]) -> dict[str, BrandMetrics]:
    return {b.brand: b for b in brands if b.kind != "discovered"}


def _deltas(model: str | None, a: list[BrandMetrics], b: list[BrandMetrics]) -> list[BrandDelta]:
    """One delta per tracked brand on either side, A's order first."""
    by_a, by_b = _by_name(a), _by_name(b)
    return [_brand_delta(name, model, by_a.get(name), by_b.get(name)) for name in dict.fromkeys([*by_a, *by_b])]


def compare_reports(a: Report, b: Report) -> Comparison:
    """Per tracked brand: overall, then per model present in either report."""
    deltas = _deltas(None, a.brands, b.brands)
    models_a = {g.key: g.brands for g in a.by_model}
    models_b = {g.key: g.brands for g in b.by_model}
    for model in dict.fromkeys([*models_a, *models_b]):
        deltas += _deltas(model, models_a.get(model, []), models_b.get(model, []))
    return Comparison(run_a=a.run_id, run_b=b.run_id, deltas=deltas)


def render_comparison(c: Comparison) -> str:
    headers = ["Brand", "Model", "Visibility A", "Visibility B", "Δ vis", "Rank A", "Rank B", "Δ rank", "p",
               "Beyond noise"]
    rows: list[list[str]] = []
    for d in c.deltas:
        vis_delta = DASH if d.visibility_delta.value is None else f"{round(d.visibility_delta.value * 100) + 0:+d} pts"
        verdict = {True: "YES", False: "no", None: "n/a"}[d.significant]
        rows.append(
            [
                d.brand,
                d.model or "(all)",
                f"{pct(d.visibility_a)} n={d.visibility_a.n}",
                f"{pct(d.visibility_b)} n={d.visibility_b.n}",
                vis_delta,
                number(d.rank_a),
                number(d.rank_b),
                signed(d.rank_delta, 1),
                DASH if d.p_value is None else f"{d.p_value:.3f}",
                verdict,
            ]
        )
    widths = [max(_width(h), *(_width(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = [f"Comparison: {c.run_a} (A) → {c.run_b} (B); test: {c.test}"]
    lines.append("  ".join(_pad(h, w) for h, w in zip(headers, widths, strict=True)).rstrip())
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(_pad(v, w) for v, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    return "\n".join(lines) + "\n"


def _width(text: str) -> int:
    """Terminal columns: CJK glyphs take two, so Chinese brand names keep the table aligned."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
