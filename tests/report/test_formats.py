"""Renderers: JSON round trip, CSV columns, Markdown sections, HTML structure and escaping."""

from __future__ import annotations

import csv
import io
import re

from shared.report import build_report, render_csv, render_html, render_markdown, report_from_json, report_to_json
from shared.report.csvout import BASE_COLUMNS
from shared.report.types import Report
from tests.report.factory import MAIN, cell, make_run
from tests.report.hostile import BOLD_BRAND, IMG_ENTITY, SCRIPT, hostile_report


class TestJson:
    def test_round_trip_is_lossless(self, realistic_report: Report) -> None:
        """report_to_json then report_from_json gives back an equal Report."""
        assert report_from_json(report_to_json(realistic_report)) == realistic_report

    def test_unknown_fields_are_ignored(self, realistic_report: Report) -> None:
        """A newer report with extra fields still decodes (fields are additive)."""
        data = report_to_json(realistic_report).replace(b'{"v":1,', b'{"v":1,"future_field":[1,2],', 1)
        assert report_from_json(data).run_id == realistic_report.run_id


class TestCsv:
    def _rows(self, report: Report) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(render_csv(report))))

    def test_stable_columns_then_brand_pairs_then_answer(self, realistic_report: Report) -> None:
        """Header = base columns, a mentioned/rank pair per tracked brand in request order, answer last."""
        header = next(csv.reader(io.StringIO(render_csv(realistic_report))))
        brands = [MAIN, "小米", "苹果", "OPPO"]
        expected = [*BASE_COLUMNS, *[f"{k}:{b}" for b in brands for k in ("mentioned", "rank")], "answer"]
        assert header == expected

    def test_one_row_per_cell_with_answer_and_main_brand_columns(self, realistic_report: Report) -> None:
        """Each cell is one row; the answer survives verbatim (newlines included) and main-brand columns match."""
        rows = self._rows(realistic_report)
        assert len(rows) == len(realistic_report.cells)
        for row, view in zip(rows, realistic_report.cells, strict=True):
            assert row["cell_id"] == view.cell_id
            assert row["answer"] == view.answer
            if view.analysis is None:
                assert row["main_mentioned"] == "" and row["main_rank"] == ""
                continue
            main = view.analysis.brands[MAIN]
            assert row["main_mentioned"] == ("1" if main.mentioned else "0")
            assert row["main_rank"] == ("" if main.rank is None else str(main.rank))
            assert row[f"mentioned:{MAIN}"] == row["main_mentioned"]

    def test_failed_cell_row_has_error_and_no_analysis(self, realistic_report: Report) -> None:
        """A failed cell has its status and error class, and empty analysis columns."""
        row = next(r for r in self._rows(realistic_report) if r["status"] == "rate_limited")
        assert row["error_class"] == "RateLimited"
        assert row["main_mentioned"] == ""

    def test_formula_like_text_is_neutralised(self) -> None:
        """Text starting with = is prefixed with an apostrophe so a spreadsheet shows, not runs, it."""
        report = hostile_report()
        report.cells[0].answer = "=HYPERLINK(\"http://x\")"
        row = self._rows(report)[0]
        assert row["answer"] == "'=HYPERLINK(\"http://x\")"


class TestMarkdown:
    def test_sections_in_order(self, realistic_report: Report) -> None:
        """Headline, brands, models, questions, matrix, sources, cost, agreement, failures, answers — in order."""
        text = render_markdown(realistic_report)
        headings = [line for line in text.splitlines() if line.startswith("#")]
        assert headings[0] == f"# AI brand visibility report: {MAIN}"
        order = ["## Brands", "## By model", "## By question", "## Question × model", "## Sources", "## Cost",
                 "## Sample agreement", "## Self-report disagreements", "## Failures", "## Answers"]
        positions = [next(i for i, h in enumerate(headings) if h.startswith(name)) for name in order]
        assert positions == sorted(positions)
        assert text.splitlines()[2].startswith(f"**{MAIN} was mentioned in")

    def test_each_answer_in_a_collapsible_quote(self, realistic_report: Report) -> None:
        """Every cell gets a <details> block; answer lines are quoted."""
        text = render_markdown(realistic_report)
        assert text.count("<details>") == len(realistic_report.cells)
        first_answer = next(c for c in realistic_report.cells if c.status == "ok").answer
        assert "> " + first_answer.splitlines()[0] in text

    def test_tables_have_a_row_per_brand_and_model(self, realistic_report: Report) -> None:
        """The brands table lists every brand and the model table every model."""
        text = render_markdown(realistic_report)
        for b in realistic_report.brands:
            assert re.search(rf"^\| {re.escape(b.brand)} \| {b.kind} \|", text, re.M)
        for model in realistic_report.models:
            assert re.search(rf"^\| {re.escape(model)} \| \d+ \|", text, re.M)

    def test_hostile_text_is_escaped(self) -> None:
        """Script tags and HTML in answers, brands and errors are escaped in Markdown too."""
        text = render_markdown(hostile_report())
        assert SCRIPT not in text
        assert BOLD_BRAND not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
        assert "&lt;b&gt;x&lt;/b&gt;" in text


class TestHtml:
    def test_self_contained(self, realistic_report: Report) -> None:
        """One file: inline style and SVG, no scripts, no external URLs, CJK fonts in the stack."""
        page = render_html(realistic_report)
        assert page.startswith("<!DOCTYPE html>")
        assert "<script" not in page.lower()
        assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", page)
        assert "@import" not in page and "url(" not in page
        assert page.count("<svg") >= 4
        assert "PingFang SC" in page and "Noto Sans CJK SC" in page

    def test_hostile_text_is_escaped(self) -> None:
        """An answer with <script> and brands named <b>x</b> / <img onerror> appear as escaped text only."""
        page = render_html(hostile_report())
        assert SCRIPT not in page
        assert BOLD_BRAND not in page
        assert IMG_ENTITY not in page
        assert "<img" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "&lt;b&gt;x&lt;/b&gt;" in page
        assert "&lt;img src=x onerror=alert(2)&gt;" in page
        assert "bad gateway &lt;script&gt;" in page
        assert "m&lt;1&gt;" in page

    def test_null_metrics_show_a_dash_not_zero(self) -> None:
        """A failed-only report renders visibility as '—' with the reason, not as 0%."""
        report = build_report(make_run(total=1, status="failed"), [cell("a", status="timeout")])
        page = render_html(report)
        assert "No visibility figure for" in page
        assert '<div class="v">—</div>' in page
