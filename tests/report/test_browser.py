"""The HTML report in a real browser (headless Chromium): it renders offline, charts show, text is inert.

Skipped only when /usr/bin/chromium is absent (install: `apt-get install -y chromium`), and
never in CI: with BRANDLENS_REQUIRE_BROWSER=1 (set by .ci/run) a missing Chromium fails every test.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import cast

import pytest
from PIL import Image

from shared.report import render_html
from shared.report.charts import COMPETITOR_COLOURS, MAIN_COLOUR, TONE_COLOURS
from shared.report.types import Report
from tests.report.hostile import hostile_report

CHROMIUM = Path("/usr/bin/chromium")
WIDTH, HEIGHT = 1280, 2400
TIMEOUT_S = 30

REQUIRED = os.environ.get("BRANDLENS_REQUIRE_BROWSER") == "1"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and not REQUIRED, reason="chromium not installed (apt-get install -y chromium)"
)


@pytest.fixture(autouse=True)
def _chromium_present() -> None:
    """In CI the browser tests must run: a missing Chromium is a failure, not a skip."""
    if not CHROMIUM.exists():
        pytest.fail(f"BRANDLENS_REQUIRE_BROWSER=1 but {CHROMIUM} is missing (make browser)")


def chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp / "profile"
    profile.mkdir(exist_ok=True)
    command = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", f"--window-size={WIDTH},{HEIGHT}", *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, check=True)


def write_page(tmp: Path, report: Report) -> Path:
    page = tmp / "report.html"
    page.write_text(render_html(report), encoding="utf-8")
    return page


@pytest.fixture(scope="module")
def rendered(realistic_report: Report, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """The realistic report's DOM after Chromium parsed it, and a screenshot of it."""
    tmp = tmp_path_factory.mktemp("browser")
    page = write_page(tmp, realistic_report)
    dom = chromium(tmp, "--dump-dom", page.as_uri()).stdout
    png = tmp / "report.png"
    chromium(tmp, f"--screenshot={png}", page.as_uri())
    return dom, png


def hex_rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def has_colour(image: Image.Image, colour: str, tolerance: int = 4, min_pixels: int = 200) -> bool:
    target = hex_rgb(colour)
    # Pillow types getcolors by every mode at once; an RGB image (what callers pass) gives RGB tuples.
    counts = cast("list[tuple[int, tuple[int, ...]]]", image.getcolors(maxcolors=WIDTH * HEIGHT) or [])
    found = sum(
        count for count, rgb in counts if all(abs(a - b) <= tolerance for a, b in zip(rgb, target, strict=True))
    )
    return found >= min_pixels


class TestRenderedDom:
    def test_dom_contains_the_four_charts(self, rendered: tuple[str, Path]) -> None:
        """After parsing, the DOM holds the four inline SVG charts with their accessible labels."""
        dom, _ = rendered
        for label in ("Visibility by model", "Share of voice", "Sentiment distribution", "Rank heatmap"):
            assert f'aria-label="{label}"' in dom
        assert dom.count("<svg") >= 4

    def test_answer_script_is_text_not_an_element(self, rendered: tuple[str, Path]) -> None:
        """The answer containing <script>alert(1)</script> is an escaped text node; no script element exists."""
        dom, _ = rendered
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
        assert "<script" not in dom.lower()

    def test_hostile_names_stay_text(self, tmp_path: Path) -> None:
        """Brands named <b>x</b> and <img onerror> render as text: no b/img/script element is created."""
        dom = chromium(tmp_path, "--dump-dom", write_page(tmp_path, hostile_report()).as_uri()).stdout
        assert "<script" not in dom.lower()
        assert "<img" not in dom.lower()
        assert "<b>x</b>" not in dom
        assert "&lt;b&gt;x&lt;/b&gt;" in dom
        assert "&lt;img src=x onerror=alert(2)&gt;" in dom


class TestScreenshot:
    def test_screenshot_has_the_window_size(self, rendered: tuple[str, Path]) -> None:
        """The screenshot is a PNG of exactly the requested window size."""
        _, png = rendered
        with Image.open(png) as image:
            assert image.format == "PNG"
            assert image.size == (WIDTH, HEIGHT)

    def test_screenshot_is_not_blank(self, rendered: tuple[str, Path]) -> None:
        """The page painted content: many distinct colours and a large share of non-background pixels."""
        _, png = rendered
        with Image.open(png) as image:
            rgb = image.convert("RGB")
            counts = rgb.getcolors(maxcolors=WIDTH * HEIGHT) or []
            assert len(counts) > 200
            background = max(counts)[0]
            assert background < 0.9 * WIDTH * HEIGHT

    def test_chart_colours_are_painted(self, rendered: tuple[str, Path]) -> None:
        """Main-brand blue, the first competitor colour and the positive-tone green appear on screen."""
        _, png = rendered
        with Image.open(png) as image:
            rgb = image.convert("RGB")
            assert has_colour(rgb, MAIN_COLOUR)
            assert has_colour(rgb, COMPETITOR_COLOURS[0])
            assert has_colour(rgb, TONE_COLOURS["positive"])
