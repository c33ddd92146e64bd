"""Evidence highlighting in a real browser (headless Chromium over the DevTools pipe, no page script).

A real report (answers analysed by the real analyser) is opened; real mouse clicks and key presses
on the brand's labels must change the computed background of exactly the evidence marks.
Skipped only when /usr/bin/chromium is absent; with BRANDLENS_REQUIRE_BROWSER=1 (CI) that fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.report import render_html
from shared.report.html_evidence import ROLE_COLOURS
from shared.report.types import CellView, Report
from tests.report.cdp import Browser
from tests.report.evidence_report import evidence_report
from tests.report.test_browser import CHROMIUM, REQUIRED

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and not REQUIRED, reason="chromium not installed (apt-get install -y chromium)"
)

TRANSPARENT = "rgba(0, 0, 0, 0)"


def rgb(colour: str) -> str:
    return f"rgb({int(colour[1:3], 16)}, {int(colour[3:5], 16)}, {int(colour[5:7], 16)})"


@pytest.fixture(autouse=True)
def _chromium_present() -> None:
    """In CI the browser tests must run: a missing Chromium is a failure, not a skip."""
    if not CHROMIUM.exists():
        pytest.fail(f"BRANDLENS_REQUIRE_BROWSER=1 but {CHROMIUM} is missing (make browser)")


@pytest.fixture(scope="module")
def report() -> Report:
    return evidence_report()


@pytest.fixture
def page(report: Report, tmp_path: Path) -> Iterator[Browser]:
    """The report open in Chromium."""
    path = tmp_path / "report.html"
    path.write_text(render_html(report), encoding="utf-8")
    with Browser(CHROMIUM, tmp_path / "profile") as browser:
        browser.open(path.as_uri())
        yield browser


def answer_of(key: int) -> str:
    """Selector of answer ``key``'s <details> (found by its inputs, whatever else the page holds)."""
    return f"details:has(#ev{key}-none)"


def evidence(cell: CellView, slot: int, role: str) -> list[tuple[int, int]]:
    assert cell.analysis is not None
    found = list(cell.analysis.brands.values())[slot]
    return [(ev.start, ev.end) for ev in found.evidence if ev.role == role]


def backgrounds(page: Browser, selector: str) -> set[str]:
    return {page.style(node, "background-color") for node in page.query_all(selector)}


class TestClickHighlights:
    def test_clicking_the_rank_highlights_exactly_the_rank_header(self, page: Browser, report: Report) -> None:
        """Before a click no evidence is painted; clicking the main brand's rank label paints the rank
        marks in the rank colour, their text is answer[start:end] of the rank evidence, and its tone-only
        marks and the rivals' rank marks stay unpainted."""
        cell, answer = report.cells[0], answer_of(0)
        page.click(f"{answer} > summary")
        rank_marks = f"{answer} pre.answer mark.b0-rank"
        assert backgrounds(page, rank_marks) == {TRANSPARENT}

        page.click(f'{answer} label[for="ev0-b0-rank"]')

        assert backgrounds(page, rank_marks) == {rgb(ROLE_COLOURS["rank"])}
        [(start, end)] = evidence(cell, 0, "rank")
        marked = "".join(page.text(node) for node in page.query_all(rank_marks))
        assert marked == cell.answer[start:end] == "1. **欧派**：设计能力强，环保板材口碑好。<b>注意</b> A&B 套餐。"
        assert backgrounds(page, f"{answer} pre.answer mark.b0-tone:not(.b0-rank)") == {TRANSPARENT}
        assert backgrounds(page, f"{answer} pre.answer mark.b1-rank:not(.b0-rank)") == {TRANSPARENT}
        assert page.style(page.query(f'{answer} label[for="ev0-b0-rank"]'), "background-color") == rgb(
            ROLE_COLOURS["rank"]
        )

    def test_clicking_the_tone_switches_to_the_tone_evidence_with_cue_words(
        self, page: Browser, report: Report
    ) -> None:
        """After the rank, clicking the tone label paints the tone sentences instead (rank-only marks go
        back to transparent) and underlines the cue words; "clear highlight" unpaints everything."""
        cell, answer = report.cells[0], answer_of(0)
        page.click(f"{answer} > summary")
        page.click(f'{answer} label[for="ev0-b0-rank"]')
        page.click(f'{answer} label[for="ev0-b0-tone"]')

        tone_marks = f"{answer} pre.answer mark.b0-tone"
        assert backgrounds(page, tone_marks) == {rgb(ROLE_COLOURS["tone"])}
        assert backgrounds(page, f"{answer} pre.answer mark.b0-rank:not(.b0-tone)") == {TRANSPARENT}
        cues = page.query_all(f"{answer} pre.answer mark.b0-cue")
        # The analyser's cue words of that sentence (2026.12.3 no longer counts a bare 优).
        assert [page.text(node) for node in cues] == ["强", "口碑好", "值得"]
        assert {page.style(node, "text-decoration-line") for node in cues} == {"underline"}
        covered = sorted({i for s, e in evidence(cell, 0, "tone") for i in range(s, e)})
        painted = "".join(page.text(node) for node in page.query_all(tone_marks))
        assert painted == "".join(cell.answer[i] for i in covered) == (
            "**欧派**：设计能力强，环保板材口碑好。总之，欧派值得优先考虑。"
        )

        page.click(f'{answer} label[for="ev0-none"]')
        assert backgrounds(page, f"{answer} pre.answer mark") == {TRANSPARENT}


class TestKeyboard:
    def test_arrow_keys_move_the_highlight_and_the_focus_is_visible(self, page: Browser, report: Report) -> None:
        """From the focused "clear" radio, ArrowRight checks the next input (the main brand's mentions):
        its marks are painted and its label shows a focus outline — no mouse needed."""
        answer = answer_of(1)
        page.click(f"{answer} > summary")
        mentions = f"{answer} pre.answer mark.b0-mention"
        assert backgrounds(page, mentions) == {TRANSPARENT}
        page.focus("#ev1-none")
        page.press("ArrowRight", 39)

        cell = report.cells[1]
        assert backgrounds(page, mentions) == {rgb(ROLE_COLOURS["mention"])}
        assert [page.text(node) for node in page.query_all(mentions)] == [
            cell.answer[s:e] for s, e in evidence(cell, 0, "mention")
        ]
        label = page.query(f'{answer} label[for="ev1-b0-mention"]')
        assert page.style(label, "outline-style") == "solid"
