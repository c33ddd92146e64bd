"""compare_reports: deltas per brand overall and per model, and whether they exceed the noise."""

from __future__ import annotations

import pytest

from shared.contracts import CellRecord
from shared.report import build_report, compare_reports, render_comparison
from shared.report.types import Report
from tests.report.factory import MAIN, absent, analysis, cell, make_run, seen


def report_with(mentioned: int, total: int, *, run_id: str, rank: int = 2, models: int = 1) -> Report:
    cells: list[CellRecord] = []
    for m in range(models):
        for i in range(total):
            main = seen(rank=rank) if i < mentioned else absent()
            cells.append(cell(f"{run_id}-{m}-{i}", model=f"m{m}", sample=i, run_id=run_id,
                              result_analysis=analysis({MAIN: main, "小米": absent(), "苹果": absent()})))
    run = make_run(models=[f"m{m}" for m in range(models)], total=total * models, run_id=run_id)
    return build_report(run, cells)


class TestSignificance:
    def test_large_change_is_beyond_noise(self) -> None:
        """10/50 → 40/50 is significant by the two-proportion z-test (|z| ≫ 1.96)."""
        comparison = compare_reports(report_with(10, 50, run_id="a"), report_with(40, 50, run_id="b"))
        overall = next(d for d in comparison.deltas if d.brand == MAIN and d.model is None)
        assert overall.visibility_delta.value == pytest.approx(0.6)
        assert overall.significant is True
        assert overall.z is not None and overall.z > 1.96
        assert overall.p_value is not None and overall.p_value < 0.05

    def test_small_change_on_few_answers_is_noise(self) -> None:
        """2/5 → 3/5 is within noise: not significant, although the delta is +20 points."""
        comparison = compare_reports(report_with(2, 5, run_id="a"), report_with(3, 5, run_id="b"))
        overall = next(d for d in comparison.deltas if d.brand == MAIN and d.model is None)
        assert overall.visibility_delta.value == pytest.approx(0.2)
        assert overall.significant is False

    def test_known_z_value(self) -> None:
        """Pooled z for 30/100 vs 45/100: 0.15 / sqrt(0.375·0.625·0.02) = 2.1909."""
        comparison = compare_reports(report_with(30, 100, run_id="a"), report_with(45, 100, run_id="b"))
        overall = next(d for d in comparison.deltas if d.brand == MAIN and d.model is None)
        assert overall.z == pytest.approx(2.1909, abs=1e-3)
        assert overall.significant is True

    def test_no_answers_on_one_side_gives_no_verdict(self) -> None:
        """When one report has no analysed answers the verdict is null with a reason."""
        failed = build_report(make_run(total=1, run_id="a", status="failed"), [cell("x", status="timeout")])
        comparison = compare_reports(failed, report_with(3, 5, run_id="b"))
        overall = next(d for d in comparison.deltas if d.brand == MAIN and d.model is None)
        assert overall.significant is None
        assert overall.reason

    def test_both_zero_is_not_significant(self) -> None:
        """0% on both sides has no variance: not significant, delta 0."""
        comparison = compare_reports(report_with(0, 5, run_id="a"), report_with(0, 8, run_id="b"))
        overall = next(d for d in comparison.deltas if d.brand == MAIN and d.model is None)
        assert overall.significant is False
        assert overall.visibility_delta.value == 0.0


class TestDeltasAndRendering:
    def test_per_model_deltas_and_rank_delta(self) -> None:
        """Each model present gets its own delta; rank deltas are B − A."""
        a = report_with(3, 5, run_id="a", rank=3, models=2)
        b = report_with(3, 5, run_id="b", rank=1, models=2)
        comparison = compare_reports(a, b)
        per_model = [d for d in comparison.deltas if d.brand == MAIN and d.model is not None]
        assert [d.model for d in per_model] == ["m0", "m1"]
        assert per_model[0].rank_delta.value == -2.0

    def test_rendered_table_lists_each_brand(self) -> None:
        """The text table has a header, one line per delta, and the verdict column."""
        text = render_comparison(compare_reports(report_with(10, 50, run_id="a"), report_with(40, 50, run_id="b")))
        lines = text.splitlines()
        assert lines[0].startswith("Comparison: a (A) → b (B)")
        assert "Beyond noise" in lines[1]
        main_line = next(line for line in lines[3:] if line.startswith(MAIN) and "(all)" in line)
        assert "+60 pts" in main_line and "YES" in main_line
        assert len(lines) == 3 + len(compare_reports(report_with(1, 2, run_id="a"),
                                                     report_with(1, 2, run_id="b")).deltas)
