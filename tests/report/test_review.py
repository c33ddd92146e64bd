"""The review list (issue #12): unsure verdicts counted per model and listed, never dropped."""

from __future__ import annotations

import msgspec

from shared.analysis.types import BrandAnalysis
from shared.report import build_report, render_html, render_markdown
from shared.report.types import Report
from tests.report.factory import MAIN, RIVALS, analysis, cell, make_run, seen


def _unsure(rank: int | None, reasons: list[str]) -> BrandAnalysis:
    return msgspec.structs.replace(seen(rank=rank, tone="neutral"), confidence="unsure", unsure_reasons=reasons)


def _report() -> Report:
    rival = RIVALS[0]
    cells = [
        cell("c1", model="sim-deepseek",
             result_analysis=analysis({MAIN: seen(rank=1), rival: _unsure(2, ["mixed_tone"])})),
        cell("c2", model="sim-qwen", result_analysis=analysis({MAIN: _unsure(None, ["inside_other_option"])})),
        cell("c3", model="sim-qwen", status="error"),
    ]
    return build_report(make_run(models=["sim-deepseek", "sim-qwen"], total=3), cells, generated_at=0.0)


class TestReview:
    def test_unsure_verdicts_are_counted_per_model_over_mentioned_brands(self) -> None:
        """Each model's count is over the mentioned brands of its analysed answers; failed cells add nothing."""
        report = _report()
        counts = {c.model: (c.verdicts, c.unsure) for c in report.review.by_model}
        assert counts == {"sim-deepseek": (2, 1), "sim-qwen": (1, 1)}

    def test_each_unsure_verdict_is_listed_with_its_cell_and_reasons(self) -> None:
        """The list names the cell, model, brand, the verdict and why it is unsure."""
        items = [(i.cell_id, i.brand, i.rank, i.reasons) for i in _report().review.items]
        assert items == [("c1", RIVALS[0], 2, ["mixed_tone"]), ("c2", MAIN, None, ["inside_other_option"])]

    def test_unsure_verdicts_stay_in_the_figures(self) -> None:
        """Reviewing is advice: an unsure mention still counts in visibility."""
        report = _report()
        main = next(b for b in report.by_model if b.key == "sim-qwen").brands[0]
        assert main.visibility.k == 1

    def test_markdown_and_html_show_the_review_section(self) -> None:
        """Both renderings carry the per-model counts and the listed cells."""
        report = _report()
        markdown, page = render_markdown(report), render_html(report)
        assert "## Verdicts to review" in markdown and "`c2`" in markdown and "inside_other_option" in markdown
        assert "Verdicts to review" in page and "<code>c1</code>" in page and "(unsure)" in page
