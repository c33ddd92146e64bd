"""Search runs end to end for the Chinese engines: nats-server, the simulator speaking each search
format, the dispatcher, one adapter per dialect and the aggregator, as `brandlens up` runs them.

A `"search": true` diagnosis asks every model with its engine's search on; the stored cells carry
`surface == "api+search"`, the engine's sources and spans whose text is the cited sentence, and the
simulator's request log shows Kimi's two passes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.simulator.knowledge import find_brands
from shared.catalogue import load_catalogue
from shared.contracts import CellRecord
from tests.search.stack import QUESTIONS, stored_search_run

CATALOGUE_PATH = Path(__file__).with_name("models.search.toml")
CATALOGUE = load_catalogue(CATALOGUE_PATH, {"BRANDLENS_SIMULATOR_URL": "http://x"})
MODELS = CATALOGUE.names()
TRACKED = ["欧派", "索菲亚"]


@dataclass
class SearchRun:
    cells: dict[str, list[CellRecord]]
    calls: dict[str, list[dict[str, Any]]]


@pytest.fixture(scope="module")
async def search_run() -> AsyncIterator[SearchRun]:
    async with stored_search_run(CATALOGUE_PATH, MODELS, "brandlens-search-") as run:
        async with httpx.AsyncClient(base_url=run.harness.simulator_url, timeout=5) as sim:
            calls = {model: (await sim.get("/_sim/requests", params={"model": CATALOGUE.models[model].model})).json()
                     for model in MODELS}
        yield SearchRun(run.cells, calls)


@pytest.mark.parametrize("model", MODELS)
class TestSearchCellsPerDialect:
    async def test_every_cell_is_an_ok_search_cell(self, search_run: SearchRun, model: str) -> None:
        """Each question yields one ok cell whose surface is "api+search", never a silent plain answer."""
        cells = search_run.cells[model]
        assert len(cells) == len(QUESTIONS)
        assert {(c.result.status, c.result.surface) for c in cells} == {("ok", "api+search")}, \
            [c.result.error for c in cells]

    async def test_sources_are_normalised_and_spans_cover_cited_sentences(self, search_run: SearchRun,
                                                                          model: str) -> None:
        """Sources carry url and lower-case domain; each span's answer[start:end] is a whole sentence
        that names a brand, and every id it lists is one of the cell's sources."""
        for cell in search_run.cells[model]:
            result = cell.result
            assert result.sources and result.spans
            ids = {s.id for s in result.sources}
            for source in result.sources:
                assert source.url.startswith("https://") and source.domain and source.domain == source.domain.lower()
                assert not source.domain.startswith("www.")
            naming = 0
            for span in result.spans:
                sentence = result.answer[span.start:span.end]
                assert set(span.source_ids) <= ids and span.source_ids
                naming += bool(find_brands(sentence))
                # Kimi's spans are wherever a URL is named, its reference list included; the
                # engines with structured citations cite only the sentences naming brands.
                assert model == "sim-kimi-search" or find_brands(sentence), sentence
                assert sentence[-1] in "。！？；!?;" or result.answer[span.end:span.end + 1] in ("", "\n"), sentence
            assert naming, result.answer
            # Markers never reach the stored answer: offsets index the text a reader sees.
            assert "[ref_" not in result.answer and "^[" not in result.answer and "[^" not in result.answer

    async def test_brands_in_cited_sentences_carry_those_sources(self, search_run: SearchRun, model: str) -> None:
        """A tracked brand named in a cited sentence has that span's source ids in its cited_sources
        (attribution through the marker-style spans, as stored in KV by the aggregator)."""
        checked = 0
        for cell in search_run.cells[model]:
            assert cell.analysis is not None
            for span in cell.result.spans:
                sentence = cell.result.answer[span.start:span.end]
                for name in TRACKED:
                    brand = cell.analysis.brands.get(name)
                    if name in sentence and brand is not None and brand.mentioned:
                        assert set(span.source_ids) <= set(brand.cited_sources), (model, sentence)
                        checked += 1
        assert checked, f"{model}: no cited sentence names a tracked brand"

    async def test_search_calls_are_counted(self, search_run: SearchRun, model: str) -> None:
        """Usage.search_calls says how many searches were billed (≥ 1 for these answers)."""
        assert all((c.result.usage.search_calls or 0) >= 1 for c in search_run.cells[model])


class TestKimiTwoPasses:
    async def test_simulator_saw_two_requests_per_cell(self, search_run: SearchRun) -> None:
        """$web_search is two calls: the tool-call pass and the answer pass, both answered 200."""
        calls = search_run.calls["sim-kimi-search"]
        assert len(calls) == 2 * len(QUESTIONS) and {c["status"] for c in calls} == {200}

    async def test_sources_are_named_and_the_search_fee_is_costed(self, search_run: SearchRun) -> None:
        """Kimi's sources are URLs named in the text (kind "named"); the ¥0.03 per search is in the cost."""
        for cell in search_run.cells["sim-kimi-search"]:
            assert {s.kind for s in cell.result.sources} == {"named"}
            usage = cell.result.usage
            tokens = (usage.input_tokens or 0) * 4.0 / 1e6 + (usage.output_tokens or 0) * 16.0 / 1e6
            assert cell.result.cost == pytest.approx(tokens + 0.03 * (usage.search_calls or 0))

    async def test_other_dialects_make_one_request_per_cell(self, search_run: SearchRun) -> None:
        """The marker and annotation dialects answer in one call."""
        for model in MODELS:
            if model != "sim-kimi-search":
                assert len(search_run.calls[model]) == len(QUESTIONS), model
