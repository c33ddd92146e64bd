"""Each Chinese engine's search dialect parses its documented response into sources and spans.

Fixtures are the documented example bodies, trimmed (URL of the page in each comment). Where the
search tool could not reach a provider's example, the comment says so and the fixture is built from
the documented field list. Every span must cover exactly the sentence its marker ended, in character
offsets of the answer as stored (markers removed).
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

import pytest

from shared.catalogue import ModelSpec
from shared.contracts import Span
from shared.providers.openai_compat import usage_of
from shared.providers.search import (
    DIALECTS,
    ark_responses,
    dashscope_native,
    glm_web_search,
    hunyuan,
    kimi_web_search,
    qianfan_web_search,
)
from shared.providers.search.cjk_spans import sentence_bounds
from shared.providers.search.shape import domain_of
from shared.providers.types import Prompt

PROMPT = Prompt(user="全屋定制品牌哪家好", search=True)


def spec(**fields: Any) -> ModelSpec:
    return ModelSpec(**{"name": "m", "protocol": "openai", "base_url": "https://api.example.cn/v1", "model": "x",
                        **fields})


def cited(text: str, span: Span) -> str:
    return text[span.start:span.end]


def chat(content: str, **top: Any) -> dict[str, Any]:
    return {"id": "chatcmpl-1", "model": "x", "choices": [{"index": 0, "finish_reason": "stop", "message": {
        "role": "assistant", "content": content}}], "usage": {"prompt_tokens": 20, "completion_tokens": 40}, **top}


class TestSentenceSpans:
    def test_cjk_terminators_and_line_breaks_end_sentences(self) -> None:
        """。！？； and a line break end a sentence; the terminator is inside it, the line break not."""
        text = "欧派是龙头。索菲亚也不错！\n志邦呢？"
        assert [text[s:e] for s, e in sentence_bounds(text)] == ["欧派是龙头。", "索菲亚也不错！", "志邦呢？"]

    def test_domain_is_lowercase_host_without_www(self) -> None:
        """Source.domain is the URL's host, lower case, without a leading www."""
        assert domain_of("https://WWW.Zhihu.com/question/1") == "zhihu.com"
        assert domain_of("not a url") == ""


class TestGlmWebSearch:
    # https://docs.bigmodel.cn/cn/guide/tools/web-search ("Web Search in Chat"); the response shape
    # (top-level web_search[] with title/link/refer) as quoted at https://docs.kapon.cloud/glm/web-search.
    RESPONSE: ClassVar[dict[str, Any]] = chat(
        "欧派是全屋定制的龙头品牌[ref_1]。索菲亚以衣柜起家，口碑稳定[ref_2]。选购时先看板材。",
        web_search=[
            {"title": "全屋定制十大品牌", "link": "https://www.zhihu.com/question/1", "content": "…",
             "media": "知乎", "icon": "https://x/icon.png", "refer": "ref_1"},
            {"title": "索菲亚衣柜怎么样", "link": "https://post.smzdm.com/p/2", "content": "…",
             "media": "什么值得买", "refer": "ref_2"},
            {"title": "未被引用", "link": "https://baike.baidu.com/item/3", "content": "…", "refer": "ref_3"},
        ])

    def test_request_carries_the_tool_with_its_options_object(self) -> None:
        """A bare {"type": "web_search"} is rejected by Zhipu: the tool carries enable and search_result."""
        _, _, body = glm_web_search.build_request(spec(stream=True), None, PROMPT)
        assert body["tools"] == [{"type": "web_search", "web_search": {"enable": True, "search_result": True}}]
        assert "stream" not in body

    def test_ref_markers_become_sentence_spans_and_leave_the_text(self) -> None:
        """[ref_n] markers map to web_search[].refer; the span is the sentence the marker ends."""
        completion = glm_web_search.parse(self.RESPONSE, {})
        assert "[ref_" not in completion.text
        assert [cited(completion.text, s) for s in completion.spans] == [
            "欧派是全屋定制的龙头品牌。", "索菲亚以衣柜起家，口碑稳定。"]
        assert [s.source_ids for s in completion.spans] == [["1"], ["2"]]
        kinds = {s.domain: s.kind for s in completion.sources}
        assert kinds == {"zhihu.com": "cited", "post.smzdm.com": "cited", "baike.baidu.com": "retrieved"}
        assert completion.sources[0].site_name == "知乎" and completion.usage.search_calls == 1


class TestDashScopeNative:
    # https://help.aliyun.com/zh/model-studio/web-search (联网搜索, DashScope 方式): search_options and
    # output.search_info.search_results[]; the example body trimmed to two results.
    RESPONSE: ClassVar[dict[str, Any]] = {
        "output": {
            "choices": [{"finish_reason": "stop", "message": {"role": "assistant", "content":
                        "欧派在全屋定制领域市占率领先[ref_1]。尚品宅配主打设计服务[ref_2][ref_1]。"}}],
            "search_info": {"search_results": [
                {"site_name": "百度百科", "icon": "https://x/i.png", "index": 1, "title": "欧派家居",
                 "url": "https://baike.baidu.com/item/oppein"},
                {"site_name": "新浪财经", "icon": "", "index": 2, "title": "尚品宅配",
                 "url": "https://finance.sina.com.cn/2"},
            ]},
        },
        "usage": {"input_tokens": 30, "output_tokens": 50, "total_tokens": 80,
                  "plugins": {"search": {"count": 1, "strategy": "turbo"}}},
        "request_id": "req-1",
    }

    def test_request_goes_to_the_native_endpoint_with_search_options(self) -> None:
        """The native generation path on search_base_url, enable_search plus enable_source/citation."""
        url, _, body = dashscope_native.build_request(spec(
            base_url="https://dashscope.aliyuncs.com/compatible-mode/v1",
            search_base_url="https://dashscope.aliyuncs.com/api/v1"), "k", PROMPT)
        assert url == "https://dashscope.aliyuncs.com/api/v1/services/aigc/text-generation/generation"
        assert body["parameters"]["enable_search"] is True
        assert body["parameters"]["search_options"] == {
            "enable_source": True, "enable_citation": True, "citation_format": "[ref_<number>]"}
        assert body["input"]["messages"][-1] == {"role": "user", "content": PROMPT.user}

    def test_search_results_and_ref_markers_parse_into_spans(self) -> None:
        """search_results[].index names the source; two markers on one sentence give one span, two ids."""
        completion = dashscope_native.parse(self.RESPONSE, {})
        assert completion.text == "欧派在全屋定制领域市占率领先。尚品宅配主打设计服务。"
        assert [cited(completion.text, s) for s in completion.spans] == [
            "欧派在全屋定制领域市占率领先。", "尚品宅配主打设计服务。"]
        assert completion.spans[1].source_ids == ["2", "1"]
        assert [(s.domain, s.site_name) for s in completion.sources] == [
            ("baike.baidu.com", "百度百科"), ("finance.sina.com.cn", "新浪财经")]
        assert completion.usage.search_calls == 1 and completion.usage.input_tokens == 30


class TestQianfanWebSearch:
    # https://cloud.baidu.com/doc/qianfan-docs/s/Wm8r4sw29 (联网搜索): the web_search object and the
    # ^[1]^ / ^[1][2]^ marker format are documented; the page's response example was not reachable,
    # so search_results[] (index, url, title) is built from Qianfan's documented field names.
    RESPONSE: ClassVar[dict[str, Any]] = chat("志邦家居性价比较高^[1]^。金牌厨柜专注厨房^[1][2]^。",
                    search_results=[{"index": 1, "url": "https://www.zhihu.com/p/9", "title": "厨柜品牌"},
                                    {"index": 2, "url": "https://www.jiameng.com/k", "title": "金牌"}])

    def test_request_has_the_documented_web_search_object(self) -> None:
        """web_search {enable, enable_citation, enable_trace} rides on the v2 chat body."""
        _, _, body = qianfan_web_search.build_request(spec(), "k", PROMPT)
        assert body["web_search"] == {"enable": True, "enable_citation": True, "enable_trace": True}

    def test_caret_markers_become_spans(self) -> None:
        """^[1][2]^ cites two sources for the sentence it ends."""
        completion = qianfan_web_search.parse(self.RESPONSE, {})
        assert completion.text == "志邦家居性价比较高。金牌厨柜专注厨房。"
        assert [(cited(completion.text, s), s.source_ids) for s in completion.spans] == [
            ("志邦家居性价比较高。", ["1"]), ("金牌厨柜专注厨房。", ["1", "2"])]


class TestHunyuan:
    # The OpenAI-compatible switches are shown at https://cloud.tencent.com/document/product/1729/111007;
    # SearchInfo.SearchResults (Index, Title, Url) and the [^n] citation marks come from the
    # ChatCompletions API reference (https://cloud.tencent.com/document/api/1729/105701), which the
    # search tool did not return: this fixture is built from that field list.
    RESPONSE: ClassVar[dict[str, Any]] = chat("好莱客环保板材口碑好[^1]。司米橱柜是欧派旗下品牌[^2][^1]。",
                    search_info={"search_results": [{"index": 1, "title": "好莱客", "url": "https://www.xiaohongshu.com/a"},
                                                    {"index": 2, "title": "司米", "url": "https://m.autohome.com.cn/b"}]})

    def test_request_turns_on_enhancement_citation_and_search_info(self) -> None:
        """enable_enhancement, citation and search_info are all needed to get sources back."""
        _, _, body = hunyuan.build_request(spec(), "k", PROMPT)
        assert (body["enable_enhancement"], body["citation"], body["search_info"]) == (True, True, True)

    def test_search_info_results_and_markers(self) -> None:
        """[^n] markers map to search_info.search_results[].index."""
        completion = hunyuan.parse(self.RESPONSE, {})
        assert completion.text == "好莱客环保板材口碑好。司米橱柜是欧派旗下品牌。"
        assert [s.source_ids for s in completion.spans] == [["1"], ["2", "1"]]
        assert [s.domain for s in completion.sources] == ["xiaohongshu.com", "m.autohome.com.cn"]


class TestArkResponses:
    # Ark's Responses API (https://www.volcengine.com/docs/82379/1569618) and web search guide
    # (https://www.volcengine.com/docs/82379/1756990) were not reachable through the search tool; the
    # fixture follows the OpenAI Responses shape Ark mirrors (web_search_call items, output_text with
    # url_citation annotations), as https://docs.crazyrouter.com/chat/responses/web-search quotes it.
    TEXT = "欧派是行业第一。索菲亚紧随其后。"
    RESPONSE: ClassVar[dict[str, Any]] = {
        "id": "resp_1", "object": "response", "model": "doubao-seed-1-6", "status": "completed",
        "output": [
            {"type": "web_search_call", "id": "ws_1", "status": "completed",
             "action": {"type": "search", "query": "全屋定制"}},
            {"type": "message", "role": "assistant", "status": "completed", "content": [{
                "type": "output_text", "text": TEXT, "annotations": [
                    {"type": "url_citation", "start_index": 0, "end_index": 7, "url": "https://www.163.com/a",
                     "title": "网易家居"},
                    {"type": "url_citation", "start_index": 8, "end_index": 15, "url": "https://www.toutiao.com/b",
                     "title": "头条"},
                    {"type": "url_citation", "url": "https://www.sohu.com/c", "title": "搜狐"},
                ]}]},
        ],
        "usage": {"input_tokens": 12, "output_tokens": 20, "output_tokens_details": {"reasoning_tokens": 0}},
    }

    def test_request_posts_the_web_search_tool_to_responses(self) -> None:
        """POST {base}/responses with tools [{"type": "web_search"}] and the entry's thinking switch."""
        url, _, body = ark_responses.build_request(
            spec(base_url="https://ark.cn-beijing.volces.com/api/v3",
                 extra_body={"thinking": {"type": "disabled"}}), "k", PROMPT)
        assert url == "https://ark.cn-beijing.volces.com/api/v3/responses"
        assert body["tools"] == [{"type": "web_search"}] and body["thinking"] == {"type": "disabled"}

    def test_anchored_annotations_are_spans_unanchored_are_retrieved(self) -> None:
        """start/end_index widen to the sentence; an annotation without them is a consulted source."""
        completion = ark_responses.parse(self.RESPONSE, {})
        assert [cited(completion.text, s) for s in completion.spans] == ["欧派是行业第一。", "索菲亚紧随其后。"]
        assert [s.kind for s in completion.sources] == ["cited", "cited", "retrieved"]
        assert completion.usage.search_calls == 1


class TestKimiBuiltinSearch:
    # https://platform.moonshot.cn/docs/guide/use-web-search: the first response's tool call, whose
    # arguments go back unchanged in a role "tool" message; trimmed.
    ARGUMENTS = json.dumps({"search_result": {"search_id": "abc"}, "usage": {"total_tokens": 1543}})
    FIRST: ClassVar[dict[str, Any]] = {
        "id": "c1", "model": "kimi-k2-0905-preview", "choices": [{"index": 0, "finish_reason": "tool_calls",
             "message": {"role": "assistant", "content": "", "tool_calls": [{"index": 0, "id": "$web_search-1",
                         "type": "builtin_function", "function": {"name": "$web_search", "arguments": ARGUMENTS}}]}}],
             "usage": {"prompt_tokens": 10, "completion_tokens": 5}}
    FINAL = chat("推荐欧派，据知乎 https://www.zhihu.com/question/5 的评测口碑最好。其次是索菲亚。")

    def test_request_declares_the_builtin_function(self) -> None:
        """$web_search is a builtin_function tool; a thinking entry is refused."""
        _, _, body = kimi_web_search.build_request(spec(), "k", PROMPT)
        assert body["tools"] == [{"type": "builtin_function", "function": {"name": "$web_search"}}]
        with pytest.raises(Exception, match="thinking disabled"):
            kimi_web_search.build_request(spec(thinking="on", expected_reasoning_tokens=1), "k", PROMPT)

    def test_tool_call_arguments_are_echoed_unchanged(self) -> None:
        """The tool message's content is the call's arguments string, byte for byte."""
        calls = kimi_web_search.search_calls_of(self.FIRST)
        messages = kimi_web_search.echo_messages(self.FIRST, calls)
        assert messages[0]["tool_calls"][0]["id"] == "$web_search-1"
        assert messages[1] == {"role": "tool", "tool_call_id": "$web_search-1", "name": "$web_search",
                               "content": self.ARGUMENTS}

    def test_final_text_urls_are_named_sources_with_their_sentence(self) -> None:
        """No structured list: URLs in the final text are kind "named", spanned by their sentence."""
        completion = kimi_web_search.finish(self.FINAL, {}, usage_of(self.FIRST["usage"]), 1)
        assert [(s.domain, s.kind) for s in completion.sources] == [("zhihu.com", "named")]
        assert cited(completion.text, completion.spans[0]).startswith("推荐欧派") and \
            cited(completion.text, completion.spans[0]).endswith("口碑最好。")
        assert completion.usage.search_calls == 1 and completion.usage.input_tokens == 30


def test_every_chinese_dialect_is_registered() -> None:
    """The catalogue names these dialects; each resolves to a client."""
    assert {"ark-responses", "dashscope-native", "glm-web-search", "kimi-builtin", "qianfan-web-search",
            "hunyuan"} <= set(DIALECTS)
