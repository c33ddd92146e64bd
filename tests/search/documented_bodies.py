"""Response bodies of the Western search dialects as their providers document them (trimmed).

Each body keeps the documented field names and nesting. Where the documentation elides the text
("On March 6, 2025, several news...") the text is filled in with one sentence and the offsets set
to match it, since an elided text cannot be sliced; every such change is noted beside the body.
"""

from __future__ import annotations

from typing import Any

# OpenAI Responses API, web search tool output.
# https://developers.openai.com/api/docs/guides/tools-web-search (section "Output and citations":
# a web_search_call item, then a message whose output_text carries url_citation annotations;
# "sources" of action with include=["web_search_call.action.sources"]).
# Filled in: the text (documented as "On March 6, 2025, several news..."), start/end indices
# (documented 2606/2758 into the elided text), the URLs (documented "https://..."), usage.
OPENAI_TEXT = ("On March 6, 2025, several news outlets reported on the markets. "
               "Reuters said stocks fell sharply after the tariff announcement.")
OPENAI_CITED = "Reuters said stocks fell sharply after the tariff announcement."
OPENAI_RESPONSES: dict[str, Any] = {
    "id": "resp_67c9fa0502748190b7dd390736892e100be649c1a5ff9609",
    "object": "response",
    "status": "completed",
    "model": "gpt-4.1-2025-04-14",
    "output": [
        {
            "type": "web_search_call",
            "id": "ws_67c9fa0502748190b7dd390736892e100be649c1a5ff9609",
            "status": "completed",
            "action": {
                "type": "search",
                "query": "positive news story today",
                "sources": [
                    {"type": "url", "url": "https://www.Reuters.com/markets/tariffs-2025-03-06/"},
                    {"type": "url", "url": "https://apnews.com/article/markets-march-6"},
                ],
            },
        },
        {
            "id": "msg_67c9fa077e288190af08fdffda2e34f20be649c1a5ff9609",
            "type": "message",
            "status": "completed",
            "role": "assistant",
            "content": [
                {
                    "type": "output_text",
                    "text": OPENAI_TEXT,
                    "annotations": [
                        {
                            "type": "url_citation",
                            "start_index": OPENAI_TEXT.index(OPENAI_CITED),
                            "end_index": OPENAI_TEXT.index(OPENAI_CITED) + len(OPENAI_CITED),
                            "url": "https://www.Reuters.com/markets/tariffs-2025-03-06/",
                            "title": "Stocks fall after tariff announcement | Reuters",
                        }
                    ],
                }
            ],
        },
    ],
    "usage": {"input_tokens": 328, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 356,
              "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 684},
}

# Anthropic Messages API with web_search_20250305, the documented response example.
# https://platform.claude.com/docs/en/agents-and-tools/tool-use/web-search-tool ("Response":
# server_tool_use, web_search_tool_result, then text blocks, the cited one with
# web_search_result_location citations; usage.server_tool_use.web_search_requests).
# Trimmed: encrypted_content / encrypted_index shortened.
ANTHROPIC_CITED = "Claude Shannon was born on April 30, 1916, in Petoskey, Michigan"
ANTHROPIC_WEB_SEARCH: dict[str, Any] = {
    "id": "msg_a930390d3a",
    "type": "message",
    "role": "assistant",
    "model": "claude-opus-4-20250514",
    "content": [
        {"type": "text", "text": "I'll search for when Claude Shannon was born."},
        {"type": "server_tool_use", "id": "srvtoolu_01WYG3ziw53XMcoyKL4XcZmE", "name": "web_search",
         "input": {"query": "claude shannon birth date"}},
        {
            "type": "web_search_tool_result",
            "tool_use_id": "srvtoolu_01WYG3ziw53XMcoyKL4XcZmE",
            "content": [
                {"type": "web_search_result", "url": "https://en.wikipedia.org/wiki/Claude_Shannon",
                 "title": "Claude Shannon - Wikipedia", "encrypted_content": "EqgfCioIARgBIiQ3YTAwMjY1Mi1mZjM5…",
                 "page_age": "April 30, 2025"},
            ],
        },
        {"text": "Based on the search results, ", "type": "text"},
        {
            "text": ANTHROPIC_CITED,
            "type": "text",
            "citations": [
                {"type": "web_search_result_location", "url": "https://en.wikipedia.org/wiki/Claude_Shannon",
                 "title": "Claude Shannon - Wikipedia", "encrypted_index": "Eo8BCioIAhgBIiQyYjQ0OWJmZi1lNm…",
                 "cited_text": "Claude Elwood Shannon (April 30, 1916 – February 24, 2001) was an American "
                               "mathematician, electrical engineer, computer scientist, cryptographer and i..."}
            ],
        },
    ],
    "usage": {"input_tokens": 6039, "output_tokens": 931, "server_tool_use": {"web_search_requests": 1}},
    "stop_reason": "end_turn",
}

# The same page, "Errors": a failed search arrives inside the 200 response as a
# web_search_tool_result whose content is an error object (error_code one of too_many_requests,
# invalid_input, max_uses_exceeded, query_too_long, unavailable).
ANTHROPIC_TOOL_ERROR: dict[str, Any] = {
    "id": "msg_a930390d3b",
    "type": "message",
    "role": "assistant",
    "model": "claude-opus-4-20250514",
    "content": [
        {"type": "server_tool_use", "id": "servertoolu_a93jad", "name": "web_search",
         "input": {"query": "claude shannon birth date"}},
        {"type": "web_search_tool_result", "tool_use_id": "servertoolu_a93jad",
         "content": {"type": "web_search_tool_result_error", "error_code": "too_many_requests"}},
        {"type": "text", "text": "I could not search the web just now."},
    ],
    "usage": {"input_tokens": 410, "output_tokens": 20, "server_tool_use": {"web_search_requests": 1}},
    "stop_reason": "end_turn",
}

# Gemini API, Grounding with Google Search, the documented "Who won the euro 2024?" response.
# https://ai.google.dev/gemini-api/docs/google-search ("Understanding the grounding response").
# Filled in: the segments' offsets (documented 0-85 and 86-210 over a text the page shortens),
# set to the UTF-8 byte offsets of the two sentences; redirect tokens shortened.
GEMINI_TEXT = ("Spain won Euro 2024, defeating England 2-1 in the final. "
               "This victory marks Spain's record fourth European Championship title.")
GEMINI_FIRST = "Spain won Euro 2024, defeating England 2-1 in the final."
GEMINI_SECOND = "This victory marks Spain's record fourth European Championship title."


def gemini_body(text: str, segments: list[tuple[str, list[int]]]) -> dict[str, Any]:
    """The documented grounded response around ``text``, one support per (sentence, chunk indices),
    with the segment offsets in UTF-8 bytes as the API sends them."""
    encoded = text.encode()
    supports: list[dict[str, Any]] = []
    for sentence, chunks in segments:
        start = encoded.index(sentence.encode())
        supports.append({"segment": {"startIndex": start, "endIndex": start + len(sentence.encode()),
                                     "text": sentence}, "groundingChunkIndices": chunks})
    if supports and supports[0]["segment"]["startIndex"] == 0:
        del supports[0]["segment"]["startIndex"]  # proto3 JSON omits zero values, as the page shows
    return {
        "candidates": [{
            "content": {"parts": [{"text": text}], "role": "model"},
            "groundingMetadata": {
                "webSearchQueries": ["UEFA Euro 2024 winner", "who won euro 2024"],
                "searchEntryPoint": {"renderedContent": "<!-- HTML and CSS for the search widget -->"},
                "groundingChunks": [
                    {"web": {"uri": "https://vertexaisearch.cloud.google.com/grounding-api-redirect/AUZIYQ1",
                             "title": "aljazeera.com"}},
                    {"web": {"uri": "https://vertexaisearch.cloud.google.com/grounding-api-redirect/AUZIYQ2",
                             "title": "uefa.com"}},
                    {"web": {"uri": "https://vertexaisearch.cloud.google.com/grounding-api-redirect/AUZIYQ3",
                             "title": "www.BBC.co.uk"}},
                ],
                "groundingSupports": supports,
            },
            "finishReason": "STOP",
        }],
        "usageMetadata": {"promptTokenCount": 9, "candidatesTokenCount": 30, "totalTokenCount": 39},
        "modelVersion": "gemini-2.5-flash",
    }


# Perplexity Sonar chat completions, the documented response object.
# https://docs.perplexity.ai/api-reference/chat-completions-post (200 response: choices,
# citations, search_results{title, url, date, last_updated, snippet}, usage with
# num_search_queries). Filled in: the "<string>" placeholders and the answer text with [n] markers.
PERPLEXITY_TEXT = ("The Milky Way holds an estimated 100 to 400 billion stars[1][2]. "
                   "Most of them are red dwarfs.[3] Counting them exactly is impossible.")
PERPLEXITY: dict[str, Any] = {
    "id": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
    "model": "sonar",
    "created": 1735689600,
    "usage": {"prompt_tokens": 14, "completion_tokens": 40, "total_tokens": 54, "search_context_size": "low",
              "citation_tokens": 420, "num_search_queries": 1},
    "object": "chat.completion",
    "choices": [{"index": 0, "finish_reason": "stop",
                 "message": {"content": PERPLEXITY_TEXT, "role": "assistant"}}],
    "citations": ["https://science.nasa.gov/milky-way/", "https://www.space.com/milky-way-stars",
                  "https://en.wikipedia.org/wiki/Red_dwarf", "https://www.esa.int/gaia"],
    "search_results": [
        {"title": "The Milky Way - NASA Science", "url": "https://science.nasa.gov/milky-way/",
         "date": "2024-05-01", "last_updated": "2025-01-10", "snippet": "Our galaxy holds 100-400 billion stars"},
        {"title": "How many stars are in the Milky Way? | Space", "url": "https://www.space.com/milky-way-stars",
         "date": "2023-12-25", "last_updated": "2024-02-01", "snippet": "Estimates range widely"},
        {"title": "Red dwarf - Wikipedia", "url": "https://en.wikipedia.org/wiki/Red_dwarf",
         "date": "2024-11-02", "last_updated": "2025-03-04", "snippet": "Red dwarfs are the most common stars"},
        {"title": "Gaia - ESA", "url": "https://www.esa.int/gaia", "date": "2024-06-30",
         "last_updated": "2024-06-30", "snippet": "Gaia maps over a billion stars"},
    ],
}
