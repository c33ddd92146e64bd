"""The trend report in headless Chromium: it renders offline, bands, lines and alert markers paint.

Skipped only when /usr/bin/chromium is absent, and never in CI: with BRANDLENS_REQUIRE_BROWSER=1
(set by .ci/run) a missing Chromium fails every test, as for the run report (test_browser.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from shared.report.charts import COMPETITOR_COLOURS, MAIN_COLOUR
from shared.report.trend_charts import MARKER_COLOUR
from shared.report.trend_html import CHARTED, render_trend_html
from tests.report.test_browser import CHROMIUM, HEIGHT, REQUIRED, WIDTH, chromium, has_colour
from tests.report.trend_factory import daily_trend

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and not REQUIRED, reason="chromium not installed (apt-get install -y chromium)"
)


@pytest.fixture(autouse=True)
def _chromium_present() -> None:
    """In CI the browser tests must run: a missing Chromium is a failure, not a skip."""
    if not CHROMIUM.exists():
        pytest.fail(f"BRANDLENS_REQUIRE_BROWSER=1 but {CHROMIUM} is missing (make browser)")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, int]:
    """A six-day trend with an alert on the first model (so its marker is on screen): DOM + screenshot."""
    trend = daily_trend(days=6, alert_model="deepseek-chat")
    tmp = tmp_path_factory.mktemp("trend-browser")
    page = tmp / "trend.html"
    page.write_text(render_trend_html(trend), encoding="utf-8")
    dom = chromium(tmp, "--dump-dom", page.as_uri()).stdout
    png = tmp / "trend.png"
    chromium(tmp, f"--screenshot={png}", page.as_uri())
    return dom, png, len(trend.models)


class TestTrendInBrowser:
    def test_dom_holds_every_chart_band_and_marker(self, rendered: tuple[str, Path, int]) -> None:
        """After parsing: a chart per metric per model, bands drawn, the alert marker on each chart of its model."""
        dom, _, models = rendered
        assert dom.count('class="trend-chart"') == models * len(CHARTED)
        # Visibility and first position always have a Wilson band for each of the 4 brands; a mean
        # from one question has none (the branded SoV here), so not every chart has 4 bands.
        assert dom.count('class="band"') >= models * 2 * 4
        assert dom.count('class="alert-marker"') == len(CHARTED)
        assert "<script" not in dom.lower()

    def test_lines_bands_and_markers_are_painted(self, rendered: tuple[str, Path, int]) -> None:
        """Main-brand blue, the first competitor's colour and the alert red appear on screen."""
        _, png, _ = rendered
        with Image.open(png) as image:
            assert image.size == (WIDTH, HEIGHT)
            rgb = image.convert("RGB")
            assert has_colour(rgb, MAIN_COLOUR)
            assert has_colour(rgb, COMPETITOR_COLOURS[0])
            assert has_colour(rgb, MARKER_COLOUR, min_pixels=50)
