"""Search runs end to end for the Western engines (issue #18): nats-server, the simulator speaking
OpenAI's Responses API, Anthropic's web_search blocks, Gemini's grounding supports (UTF-8 byte
offsets) and Perplexity's [n] markers, the dispatcher, one adapter per model and the aggregator.

A `"search": true` diagnosis yields api+search cells whose spans are the brand-naming sentences,
whose brands carry the sources cited there (attribution), and a report with its citation sections.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from services.simulator.knowledge import find_brands
from shared.catalogue import load_catalogue
from shared.contracts import CellRecord
from shared.report import render_html, render_markdown
from shared.report.types import Report
from tests.search.stack import QUESTIONS, stored_search_run

CATALOGUE_PATH = Path(__file__).with_name("models.western.toml")
CATALOGUE = load_catalogue(CATALOGUE_PATH, {"BRANDLENS_SIMULATOR_URL": "http://x"})
MODELS = CATALOGUE.names()
TRACKED = ("欧派", "索菲亚")


@dataclass
class SearchRun:
    report: Report
    cells: dict[str, list[CellRecord]]


@pytest.fixture(scope="module")
async def search_run() -> AsyncIterator[SearchRun]:
    async with stored_search_run(CATALOGUE_PATH, MODELS, "brandlens-western-") as run:
        yield SearchRun(run.report, run.cells)


def test_the_four_western_dialects_are_the_ones_run() -> None:
    """The catalogue is the main one's four Western search models, each with its own dialect."""
    assert sorted(MODELS) == ["sim-claude", "sim-gemini", "sim-gpt", "sim-perplexity"]
    assert len({CATALOGUE.models[m].search for m in MODELS}) == 4


@pytest.mark.parametrize("model", MODELS)
class TestWesternSearchCells:
    async def test_every_cell_is_an_ok_search_cell_with_sources_and_spans(self, search_run: SearchRun,
                                                                          model: str) -> None:
        """One ok cell per question, surface "api+search", with sources (real sites, never Google's
        redirect host) and spans whose ids are the cell's sources."""
        cells = search_run.cells[model]
        assert len(cells) == len(QUESTIONS)
        for cell in cells:
            result = cell.result
            assert (result.status, result.surface) == ("ok", "api+search"), result.error
            assert result.sources and result.spans
            ids = {s.id for s in result.sources}
            assert all(set(span.source_ids) <= ids and span.source_ids for span in result.spans)
            assert all(s.domain and "vertexaisearch" not in s.domain for s in result.sources)

    async def test_spans_point_at_sentences_naming_brands(self, search_run: SearchRun, model: str) -> None:
        """answer[start:end] of every span (character offsets, Gemini's bytes converted) names a brand."""
        for cell in search_run.cells[model]:
            answer = cell.result.answer
            for span in cell.result.spans:
                assert 0 <= span.start < span.end <= len(answer)
                assert find_brands(answer[span.start:span.end]), (model, answer[span.start:span.end])

    async def test_brands_in_cited_sentences_carry_those_sources(self, search_run: SearchRun, model: str) -> None:
        """A tracked brand named in a cited sentence has that span's source ids in its cited_sources."""
        checked = 0
        for cell in search_run.cells[model]:
            assert cell.analysis is not None
            for span in cell.result.spans:
                sentence = cell.result.answer[span.start:span.end]
                for name in TRACKED:
                    if name in sentence:
                        assert set(span.source_ids) <= set(cell.analysis.brands[name].cited_sources), sentence
                        checked += 1
        assert checked, f"{model}: no cited sentence names a tracked brand"


class TestWesternReport:
    def test_every_cell_and_figure_is_on_the_search_surface(self, search_run: SearchRun) -> None:
        """The report names its surface and every model row, matrix cell and cell view is api+search."""
        report = search_run.report
        assert report.surfaces == ["api+search"]
        assert {b.surface for b in report.by_model} == {"api+search"}
        assert [b.key for b in report.by_model] == MODELS
        assert {m.surface for m in report.matrix} == {"api+search"}
        assert {c.surface for c in report.cells} == {"api+search"} and len(report.cells) == 8
        assert all(c.sources and c.spans for c in report.cells)

    def test_citation_sections_are_present(self, search_run: SearchRun) -> None:
        """report.json has one api+search citation block with domains and their shares, per-brand
        domains for both tracked brands and a gap entry for the competitor; Markdown and HTML show it."""
        report = search_run.report
        (block,) = report.citations
        assert block.surface == "api+search" and block.answers == 8
        # Shares are over every (answer, domain) pair; the list shows the top 20 domains.
        assert block.domains and 0 < sum(d.share.value or 0 for d in block.domains) <= 1 + 1e-9
        brands = {b.brand: b for b in block.brands}
        assert brands["欧派"].answers_cited > 0 and brands["欧派"].domains
        assert brands["索菲亚"].answers_cited > 0 and brands["索菲亚"].domains
        assert [g.competitor for g in block.gaps] == ["索菲亚"]
        ours = {d.domain for d in brands["欧派"].domains}
        assert not {d.domain for d in block.gaps[0].domains} & ours
        assert block.taxonomy and {c.category for c in block.taxonomy} <= {
            "own-site", "competitor-site", "ugc", "encyclopedia", "vertical-media", "editorial", "ecommerce", "other"}
        for text in (render_markdown(report), render_html(report)):
            assert "Citations by surface" in text and "Where to get cited" in text and "api+search" in text
