"""The trend renderers without a browser: HTML structure, Markdown tables, CSV rows.

Rules pinned:
- HTML: one section per model, one chart per metric in it, a band and a line per brand, alert
  markers only on the alert's model and period, no script and the run report's CSS;
- every user or model text is escaped (HTML and Markdown), CSV cells are formula-safe;
- CSV has one row per brand × model × period with each value beside its bounds;
- the formats entry point renders each format and refuses an unknown one by name.
"""

from __future__ import annotations

import csv
import io
import re

import msgspec
import pytest

from shared.monitoring.trend_types import Trend, trend_decoder
from shared.report.htmlpage import CSS
from shared.report.trend_csv import columns
from shared.report.trend_formats import render_trend
from shared.report.trend_html import CHARTED, render_trend_html
from shared.report.trend_markdown import render_trend_markdown
from tests.report.trend_factory import daily_trend

HOSTILE = "<img src=x onerror=alert(2)>|=cmd"


@pytest.fixture(scope="module")
def trend() -> Trend:
    return daily_trend(days=6)


@pytest.fixture(scope="module")
def page(trend: Trend) -> str:
    return render_trend_html(trend)


def _section(page: str, model: str) -> str:
    start = page.index(f"<section class='model' data-model='{model}'>")
    return page[start:page.index("</section>", start)]


class TestHtml:
    def test_one_section_per_model_with_one_chart_per_metric(self, trend: Trend, page: str) -> None:
        """Every model has its section, and in it a chart per metric with an accessible label."""
        for model in trend.models:
            section = _section(page, model)
            charted = re.findall(r'class="trend-chart" data-metric="([a-z_]+)"', section)
            assert charted == list(CHARTED)
            assert section.count("<svg") == len(CHARTED)

    def test_each_brand_has_a_band_a_line_and_its_points(self, trend: Trend, page: str) -> None:
        """Per chart, each brand draws a band (its interval) and a line through one circle per point."""
        section = _section(page, "deepseek-chat")
        chart = section[:section.index("</svg>")]  # the visibility chart
        for brand in trend.brands:
            assert f'class="band" data-brand="{brand}"' in chart
            assert chart.count(f'class="line" data-brand="{brand}"') == 1
            assert chart.count(f'class="point" data-brand="{brand}"') == len(trend.periods)

    def test_alert_markers_only_on_the_alerts_model(self, page: str) -> None:
        """The qwen-max alert is drawn on qwen-max's charts, not on another model's, with its message."""
        assert _section(page, "qwen-max").count('class="alert-marker"') == len(CHARTED)
        assert 'class="alert-marker"' not in _section(page, "deepseek-chat")
        assert "visibility fell &lt;b&gt;20 points&lt;/b&gt;" in page

    def test_page_reuses_the_run_report_css_and_has_no_script(self, page: str) -> None:
        """Same stylesheet as the run report, a CSP meta tag, no script element."""
        assert CSS in page and "Content-Security-Policy" in page
        assert "<script" not in page.lower()

    def test_slopes_table_shows_slopes_and_noise_verdicts(self, page: str) -> None:
        """Six days: every slopes table cell has a value with its interval and a verdict."""
        table = _section(page, "deepseek-chat").split("<table class='slopes'>")[1].split("</table>")[0]
        assert "needs at least" not in table
        assert table.count("noise") == len(CHARTED) * 4

    def test_hostile_brand_name_is_text(self) -> None:
        """A brand named like markup is escaped wherever it appears."""
        page = render_trend_html(daily_trend(days=4, brand=HOSTILE))
        assert "<img" not in page
        assert "&lt;img src=x onerror=alert(2)&gt;" in page


class TestMarkdown:
    def test_markup_in_names_is_escaped(self) -> None:
        """The hostile brand cannot open a tag: it shows as escaped text in its headings."""
        text = render_trend_markdown(daily_trend(days=4, brand=HOSTILE))
        assert "<img" not in text and "### &lt;img src=x onerror=alert(2)&gt;|=cmd (main)" in text

    def test_alert_is_flagged_on_its_period_and_slopes_listed(self, trend: Trend) -> None:
        """The alert's period row carries ⚠ and the kind; each series lists its slopes."""
        text = render_trend_markdown(trend)
        assert "| 2026-12-04 ⚠ visibility_drop |" in text
        assert text.count("| Slope of |") == len(trend.series)


class TestCsv:
    def test_one_row_per_point_with_bounds(self, trend: Trend) -> None:
        """Rows = points over all series; columns as documented; bounds bracket the value."""
        rows = list(csv.DictReader(io.StringIO(render_trend(trend, "csv").decode())))
        assert len(rows) == sum(len(s.points) for s in trend.series)
        assert list(rows[0]) == columns()
        for row in rows:
            assert float(row["visibility_low"]) <= float(row["visibility"]) <= float(row["visibility_high"])
        flagged = [r for r in rows if r["alerts"]]
        assert {(r["model"], r["period"], r["brand"]) for r in flagged} == {("qwen-max", "2026-12-04", "华为")}

    def test_formula_like_text_is_neutralised(self) -> None:
        """A brand starting with = would run as a formula: it is prefixed with an apostrophe."""
        rows = list(csv.DictReader(io.StringIO(render_trend(daily_trend(days=4, brand="=1+1"), "csv").decode())))
        assert {r["brand"] for r in rows if r["kind"] == "main"} == {"'=1+1"}


class TestFormats:
    def test_json_round_trips_and_unknown_formats_are_named(self, trend: Trend) -> None:
        """JSON decodes back to the same trend; an unknown format is refused naming it."""
        assert trend_decoder.decode(render_trend(trend, "json")) == trend
        assert msgspec.json.decode(render_trend(trend, "json"))["methods"]["slope"].startswith("least squares")
        with pytest.raises(ValueError, match="'pdf'"):
            render_trend(trend, "pdf")
