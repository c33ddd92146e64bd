"""Question labels show the question as asked: `{brand}` filled in, `{competitor}` naming the
competitors it was asked with; the report's `questions` keeps the templates."""

from __future__ import annotations

from shared.report import Report, build_report, render_html, render_markdown
from tests.report.factory import MAIN, cell, make_run

TEMPLATES = ["{brand}的口碑怎么样", "{brand}和{competitor}哪个好"]


def _report() -> Report:
    run = make_run(questions=TEMPLATES, total=3)
    cells = [
        cell("q1.s1.sim-deepseek", question_index=0, question=f"{MAIN}的口碑怎么样"),
        cell("q2.c1.s1.sim-deepseek", question_index=1, question=f"{MAIN}和小米哪个好"),
        cell("q2.c2.s1.sim-deepseek", question_index=1, question=f"{MAIN}和苹果哪个好"),
    ]
    return build_report(run, cells)


class TestQuestionLabels:
    def test_breakdown_and_matrix_carry_the_question_as_asked(self) -> None:
        """by_question and the heatmap matrix name the brand, never the raw placeholder."""
        report = _report()
        labels = [g.key for g in report.by_question] + [m.question for m in report.matrix]
        assert f"{MAIN}的口碑怎么样" in labels and f"{MAIN}和小米/苹果哪个好" in labels
        assert not [label for label in labels if "{" in label], labels
        assert report.questions == TEMPLATES

    def test_rendered_tables_and_heatmap_show_no_placeholder(self) -> None:
        """Markdown tables and the HTML heatmap print `Q1 华为的口碑怎么样`, not `Q1 {brand}…`."""
        report = _report()
        for text in (render_markdown(report), render_html(report)):
            assert f"Q1 {MAIN}的口碑怎么样" in text
            assert "Q1 {brand}" not in text and "Q2 {brand}" not in text
