"""The simulator's web search (issue #18): which sentences cite which source, and the OpenAI
Responses endpoint that carries it for GPT.

The plan is what every engine format renders, so its rules are pinned once here: citations on the
sentences that name a known brand only, the answer's own [n] markers gone, the last source only
retrieved. The Responses endpoint is served buffered only (docs/simulator.md), so stream=true is a 400.
"""

from __future__ import annotations

import httpx

from services.simulator.answers import Answer
from services.simulator.cited_sources import CitedSource
from services.simulator.knowledge import find_brands
from services.simulator.protocols import web_search
from tests.simulator.conftest import OPENAI_HEADERS

QUESTION = "全屋定制品牌哪家好"
SOURCES = tuple(CitedSource(site_name=f"站{i}", url=f"https://www.site{i}.com/p/{i}", title=f"标题{i}",
                            date="2025-06-01") for i in range(3))


def answer(content: str, sources: tuple[CitedSource, ...] = SOURCES) -> Answer:
    return Answer(content=content, reasoning="", sources=sources, completion_tokens=10, reasoning_tokens=0,
                  search_query="")


class TestPlan:
    def test_only_sentences_naming_brands_are_cited_round_robin_and_the_last_source_is_retrieved(self) -> None:
        """Each brand-naming sentence cites one source, cycling over all but the last; others cite none."""
        text = "选购要看板材。欧派口碑好[1]。索菲亚性价比高！志邦适合小户型；总之按预算选。"
        plan = web_search.plan(answer(text), QUESTION)
        assert "[1]" not in plan.text
        cited = [plan.text[c.start:c.end] for c in plan.cites]
        assert cited == ["欧派口碑好", "索菲亚性价比高", "志邦适合小户型"]
        assert all(find_brands(sentence) for sentence in cited)
        assert [c.source for c in plan.cites] == [0, 1, 0]
        assert len(SOURCES) - 1 not in {c.source for c in plan.cites}

    def test_an_answer_without_sources_still_finds_some(self) -> None:
        """A search always returns sources: the category's sites when the persona gave none."""
        plan = web_search.plan(answer("欧派口碑好。", ()), QUESTION)
        assert plan.sources and plan.cites and plan.query == QUESTION

    def test_at_most_max_citations(self) -> None:
        """Long answers cite at most MAX_CITATIONS sentences."""
        plan = web_search.plan(answer("欧派好。" * 20), QUESTION)
        assert len(plan.cites) == web_search.MAX_CITATIONS


class TestResponsesEndpoint:
    def body(self, **extra: object) -> dict[str, object]:
        return {"model": "gpt-4.1", "input": [{"role": "user", "content": QUESTION}],
                "tools": [{"type": "web_search"}], "include": ["web_search_call.action.sources"], **extra}

    def test_web_search_answers_with_url_citations_on_brand_sentences(self, http: httpx.Client) -> None:
        """A web_search_call item whose sources hold every URL, then output_text whose url_citation
        annotations cover sentences that name brands (character offsets)."""
        response = http.post("/v1/responses", json=self.body(), headers=OPENAI_HEADERS)
        assert response.status_code == 200, response.text
        output = response.json()["output"]
        assert [item["type"] for item in output] == ["web_search_call", "message"]
        consulted = {s["url"] for s in output[0]["action"]["sources"]}
        part = output[1]["content"][0]
        annotations = part["annotations"]
        assert annotations and {a["type"] for a in annotations} == {"url_citation"}
        for a in annotations:
            assert find_brands(part["text"][a["start_index"]:a["end_index"]]) and a["url"] in consulted
        assert len({a["url"] for a in annotations}) < len(consulted)  # one source only retrieved
        assert http.get("/_sim/requests", params={"model": "gpt-4.1"}).json()[-1]["status"] == 200

    def test_stream_true_is_a_400(self, http: httpx.Client) -> None:
        """The Responses endpoint is buffered only: a streamed request is rejected, never half-served."""
        response = http.post("/v1/responses", json=self.body(stream=True), headers=OPENAI_HEADERS)
        assert response.status_code == 400
        assert "stream" in response.json()["error"]["message"]

    def test_without_the_tool_the_answer_is_plain(self, http: httpx.Client) -> None:
        """No web_search tool: one message item, no annotations, no search call."""
        body = self.body()
        del body["tools"]
        output = http.post("/v1/responses", json=body, headers=OPENAI_HEADERS).json()["output"]
        assert [item["type"] for item in output] == ["message"]
        assert output[0]["content"][0]["annotations"] == []
