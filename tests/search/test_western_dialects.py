"""The Western search dialects turn search on as documented and parse the documented bodies into
sources (cited / retrieved) and spans in character offsets of the answer."""

from __future__ import annotations

import copy

import pytest

from shared.catalogue import load_catalogue
from shared.contracts import Source
from shared.errors import BadRequest, RateLimited, UpstreamError
from shared.providers.search import (
    DIALECTS,
    anthropic_web_search,
    gemini_google_search,
    openai_responses,
    perplexity,
)
from shared.providers.search.shape import domain_of, sentence_start, utf8_offset_to_char
from shared.providers.types import Prompt
from tests.search import documented_bodies as doc

CATALOGUE = load_catalogue(environ={})
PROMPT = Prompt(user="全屋定制品牌哪家好", search=True)


def by_url(sources: list[Source]) -> dict[str, Source]:
    return {source.url: source for source in sources}


class TestRequests:
    def test_catalogue_entries_name_their_dialects(self) -> None:
        """gpt, claude, gemini and perplexity (and their sim-* twins) carry the dialect their
        provider documents, and every one of them is registered."""
        expected = {"gpt": "openai-responses", "claude": "anthropic-web-search", "gemini": "gemini-google-search",
                    "perplexity": "perplexity", "sim-gpt": "openai-responses", "sim-claude": "anthropic-web-search",
                    "sim-gemini": "gemini-google-search", "sim-perplexity": "perplexity"}
        assert {name: CATALOGUE.models[name].search for name in expected} == expected
        assert set(expected.values()) <= set(DIALECTS)

    def test_openai_turns_on_the_web_search_tool_with_sources(self) -> None:
        """POST /responses with tools [{type: web_search}] and include web_search_call.action.sources."""
        url, headers, body = openai_responses.build_request(CATALOGUE.models["gpt"], "sk-test", PROMPT)
        assert url == "https://api.openai.com/v1/responses"
        assert headers["authorization"] == "Bearer sk-test"
        assert body["tools"] == [{"type": "web_search"}]
        assert body["include"] == ["web_search_call.action.sources"]
        assert body["input"] == [{"role": "user", "content": PROMPT.user}]

    def test_anthropic_adds_the_versioned_tool_with_max_uses(self) -> None:
        """The Messages request gains web_search_20250305 with a max_uses cap, and is not streamed."""
        spec = CATALOGUE.models["claude"]
        _, _, body = anthropic_web_search.build_request(spec, "sk-ant-test", PROMPT)
        assert body["tools"] == [{"type": "web_search_20250305", "name": "web_search",
                                  "max_uses": anthropic_web_search.max_uses(spec)}]
        assert "stream" not in body

    def test_gemini_adds_google_search_and_is_buffered(self) -> None:
        """generateContent (not the stream method) with tools [{googleSearch: {}}]."""
        url, _, body = gemini_google_search.build_request(CATALOGUE.models["gemini"], "AIza-test", PROMPT)
        assert url.endswith("/models/gemini-2.5-flash:generateContent")
        assert body["tools"] == [{"googleSearch": {}}]


class TestOpenAIResponses:
    def test_documented_body(self) -> None:
        """url_citation start/end index the cited sentence; a consulted source nobody cites is
        retrieved; one web_search_call is one billed search."""
        completion = openai_responses.parse_response(doc.OPENAI_RESPONSES, {})
        assert completion.text == doc.OPENAI_TEXT
        [span] = completion.spans
        assert completion.text[span.start:span.end] == doc.OPENAI_CITED
        sources = by_url(completion.sources)
        reuters = sources["https://www.Reuters.com/markets/tariffs-2025-03-06/"]
        assert (reuters.kind, reuters.domain, reuters.title) == (
            "cited", "reuters.com", "Stocks fall after tariff announcement | Reuters")
        assert span.source_ids == [reuters.id]
        assert sources["https://apnews.com/article/markets-march-6"].kind == "retrieved"
        assert completion.usage.search_calls == 1
        assert (completion.usage.input_tokens, completion.usage.output_tokens) == (328, 356)

    def test_annotations_of_a_second_part_are_shifted_by_the_text_before(self) -> None:
        """Indices count within their output_text part; the answer joins the parts."""
        body = copy.deepcopy(doc.OPENAI_RESPONSES)
        message = body["output"][1]
        message["content"].insert(0, {"type": "output_text", "text": "前言。", "annotations": []})
        completion = openai_responses.parse_response(body, {})
        [span] = completion.spans
        assert completion.text[span.start:span.end] == doc.OPENAI_CITED

    def test_max_output_tokens_is_a_truncated_answer(self) -> None:
        """status incomplete / max_output_tokens: an answer flagged truncated, not malformed."""
        body = copy.deepcopy(doc.OPENAI_RESPONSES)
        body["status"], body["incomplete_details"] = "incomplete", {"reason": "max_output_tokens"}
        assert openai_responses.parse_response(body, {}).truncated


class TestAnthropicWebSearch:
    def test_documented_body(self) -> None:
        """The cited text block's range in the joined text is the span; web_search_requests are
        the billed searches."""
        completion = anthropic_web_search.parse_response(doc.ANTHROPIC_WEB_SEARCH, {})
        assert completion.text.endswith("Based on the search results, " + doc.ANTHROPIC_CITED)
        [span] = completion.spans
        assert completion.text[span.start:span.end] == doc.ANTHROPIC_CITED
        [source] = completion.sources
        assert (source.url, source.domain, source.title, source.kind) == (
            "https://en.wikipedia.org/wiki/Claude_Shannon", "en.wikipedia.org", "Claude Shannon - Wikipedia", "cited")
        assert span.source_ids == [source.id]
        assert completion.usage.search_calls == 1

    def test_an_uncited_result_is_retrieved(self) -> None:
        """A web_search_result no text block cites is kept as retrieved."""
        body = copy.deepcopy(doc.ANTHROPIC_WEB_SEARCH)
        body["content"][2]["content"].append({"type": "web_search_result", "url": "https://www.britannica.com/x",
                                              "title": "Claude Shannon | Britannica"})
        sources = by_url(anthropic_web_search.parse_response(body, {}).sources)
        assert sources["https://www.britannica.com/x"].kind == "retrieved"
        assert sources["https://www.britannica.com/x"].domain == "britannica.com"

    @pytest.mark.parametrize(("code", "error"), [
        ("too_many_requests", RateLimited), ("unavailable", UpstreamError), ("query_too_long", BadRequest),
        ("invalid_input", BadRequest), ("max_uses_exceeded", BadRequest)])
    def test_a_search_that_returned_nothing_is_an_error_of_the_taxonomy(
            self, code: str, error: type[Exception]) -> None:
        """web_search_tool_result_error with no result at all fails the cell with the mapped error
        (provider_code = error_code), never passes as a search-grounded answer."""
        body = copy.deepcopy(doc.ANTHROPIC_TOOL_ERROR)
        body["content"][1]["content"]["error_code"] = code
        with pytest.raises(error) as caught:
            anthropic_web_search.parse_response(body, {})
        assert getattr(caught.value, "provider_code", None) == code

    def test_max_uses_reached_after_results_keeps_the_answer(self) -> None:
        """An error after a search that returned results keeps the (grounded) answer."""
        body = copy.deepcopy(doc.ANTHROPIC_WEB_SEARCH)
        body["content"].insert(3, {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_2",
                                   "content": {"type": "web_search_tool_result_error",
                                               "error_code": "max_uses_exceeded"}})
        assert anthropic_web_search.parse_response(body, {}).spans


class TestGeminiGoogleSearch:
    def test_documented_body(self) -> None:
        """Segments become character spans; the site is the chunk's title, not the redirect host;
        a chunk no support points at is retrieved; a grounded prompt is one billed search."""
        body = doc.gemini_body(doc.GEMINI_TEXT, [(doc.GEMINI_FIRST, [0]), (doc.GEMINI_SECOND, [0, 1])])
        completion = gemini_google_search.parse_response(body, {})
        texts = [completion.text[span.start:span.end] for span in completion.spans]
        assert texts == [doc.GEMINI_FIRST, doc.GEMINI_SECOND]
        assert [source.domain for source in completion.sources] == ["aljazeera.com", "uefa.com", "bbc.co.uk"]
        assert [source.kind for source in completion.sources] == ["cited", "cited", "retrieved"]
        assert completion.spans[1].source_ids == [completion.sources[0].id, completion.sources[1].id]
        assert completion.usage.search_calls == 1

    def test_byte_offsets_of_a_chinese_answer_become_character_offsets(self) -> None:
        """Each CJK character is three UTF-8 bytes: byte offsets used as characters would slice the
        wrong text; converted, each span is exactly its sentence."""
        text = "全屋定制推荐欧派。索菲亚的衣柜设计口碑好，价格适中。好莱客主打环保板材。"
        first, second = "索菲亚的衣柜设计口碑好，价格适中", "好莱客主打环保板材"
        body = doc.gemini_body(text, [(first, [0]), (second, [1])])
        assert body["candidates"][0]["groundingMetadata"]["groundingSupports"][0]["segment"]["startIndex"] == \
            len(text[:text.index(first)].encode())
        completion = gemini_google_search.parse_response(body, {})
        assert [completion.text[s.start:s.end] for s in completion.spans] == [first, second]

    def test_offsets_count_within_their_part(self) -> None:
        """partIndex names the part; offsets are within it, shifted by the parts before."""
        body = doc.gemini_body(doc.GEMINI_SECOND, [(doc.GEMINI_SECOND, [1])])
        candidate = body["candidates"][0]
        candidate["content"]["parts"].insert(0, {"text": "西班牙夺冠。"})
        candidate["groundingMetadata"]["groundingSupports"][0]["segment"]["partIndex"] = 1
        completion = gemini_google_search.parse_response(body, {})
        [span] = completion.spans
        assert completion.text[span.start:span.end] == doc.GEMINI_SECOND


class TestPerplexity:
    def test_documented_body(self) -> None:
        """[n] markers back the sentence they end (markers excluded, n counts search_results from 1);
        a result no marker names is retrieved; num_search_queries is the search count."""
        completion = perplexity.parse_response(doc.PERPLEXITY, {})
        texts = [(completion.text[s.start:s.end], s.source_ids) for s in completion.spans]
        assert texts == [("The Milky Way holds an estimated 100 to 400 billion stars", ["s1", "s2"]),
                         ("Most of them are red dwarfs", ["s3"])]
        assert [(s.id, s.domain, s.kind) for s in completion.sources] == [
            ("s1", "science.nasa.gov", "cited"), ("s2", "space.com", "cited"),
            ("s3", "en.wikipedia.org", "cited"), ("s4", "esa.int", "retrieved")]
        assert completion.sources[0].title == "The Milky Way - NASA Science"
        assert completion.usage.search_calls == 1

    def test_markers_in_a_chinese_list_item(self) -> None:
        """A marker before "。" in a numbered Chinese item backs that item's sentence only."""
        text = "推荐如下：\n1. **欧派**：行业龙头，产能大[1]。不过价格偏高[2]。"
        spans = perplexity.marker_spans(text, ["s1", "s2"])
        assert [text[s.start:s.end] for s in spans] == ["**欧派**：行业龙头，产能大", "不过价格偏高"]


class TestShapeHelpers:
    def test_domain_is_lowercase_host_without_www(self) -> None:
        """Source.domain: lower-cased host, "www." dropped, "" for no dotted host."""
        assert domain_of("https://WWW.Zhihu.com/question/1") == "zhihu.com"
        assert domain_of("https://baike.baidu.com/item/x") == "baike.baidu.com"
        assert domain_of("not a url") == ""

    def test_utf8_offsets(self) -> None:
        """Byte offsets map to characters; a cut inside a character rounds down to it."""
        text = "欧派a索菲亚"
        assert utf8_offset_to_char(text, 6) == 2
        assert utf8_offset_to_char(text, 7) == 3
        assert utf8_offset_to_char(text, 8) == 3

    def test_sentence_start(self) -> None:
        """A sentence starts after the previous terminator, blanks skipped."""
        text = "第一句。 第二句，还有"
        assert sentence_start(text, len(text)) == text.index("第二句")
