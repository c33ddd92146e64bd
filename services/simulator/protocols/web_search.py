"""The simulator's web search: which sentences of an answer cite which source, in each engine's format.

A search-on answer is the persona's answer with its own ``[n]`` markers taken out; every sentence
that names a known brand (knowledge.find_brands) cites one source, round-robin over all sources
but the last, which the engine only "retrieved" (consulted, not cited), so both kinds are there
to test. Sentences split as the clients split them (CJK and Latin terminators, semicolons, line
breaks, a full stop before a blank), without terminator or surrounding blanks. The renderers
below shape one plan as each engine documents its response (shared/providers/search/ parses them).
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from services.simulator.answers import Answer
from services.simulator.cited_sources import CitedSource
from services.simulator.knowledge import BAIKE, ZHIHU, find_brands, find_category

_SENTENCE_END = re.compile(r"[。！？!?；;\n]+|\.(?=\s|$)")
_MARKERS = re.compile(r"\[\d{1,3}\]")
MAX_CITATIONS = 8
_REDIRECT = "https://vertexaisearch.cloud.google.com/grounding-api-redirect/"


@dataclass(frozen=True, slots=True)
class Cite:
    start: int  # character offsets of the cited sentence in `SearchPlan.text`
    end: int
    source: int  # index into `SearchPlan.sources`


@dataclass(frozen=True, slots=True)
class SearchPlan:
    text: str
    sources: tuple[CitedSource, ...]
    cites: tuple[Cite, ...]
    query: str


def tools_of(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The request's ``tools`` entries that are objects (a malformed list is simply no tools)."""
    tools = body.get("tools")
    return [tool for tool in tools if isinstance(tool, dict)] if isinstance(tools, list) else []


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-blank sentence, terminators and surrounding blanks left out."""
    out: list[tuple[int, int]] = []
    start = 0
    for match in [*_SENTENCE_END.finditer(text), None]:
        end = match.start() if match else len(text)
        left, right = start, end
        while left < right and text[left].isspace():
            left += 1
        while right > left and text[right - 1].isspace():
            right -= 1
        if right > left:
            out.append((left, right))
        if match:
            start = match.end()
    return out


def _fallback_sources(question: str, text: str) -> tuple[CitedSource, ...]:
    """Sources for an answer the persona gave without any: a search always finds some."""
    category = find_category(question) or next((c for _, c in find_brands(text)), None)
    pool = category.sources if category is not None else (ZHIHU, BAIKE)
    title = category.title if category is not None else "品牌"
    out = []
    for source in pool[:3]:
        digest = hashlib.sha256(f"{source.site_name}\x1f{question}".encode()).hexdigest()
        ident = int(digest[:8], 16) % (9 * 10**8) + 10**8
        out.append(CitedSource(site_name=source.site_name, url=f"{source.url_prefix}{ident}",
                               title=f"{title}品牌怎么选？真实用户经验分享 - {source.site_name}", date="2025-06-01"))
    return tuple(out)


@functools.lru_cache(maxsize=4096)
def plan(answer: Answer, question: str) -> SearchPlan:
    text = _MARKERS.sub("", answer.content)
    sources = answer.sources or _fallback_sources(question, text)
    citing = max(1, len(sources) - 1)
    cites: list[Cite] = []
    for start, end in sentences(text):
        if len(cites) == MAX_CITATIONS:
            break
        if find_brands(text[start:end]):
            cites.append(Cite(start, end, len(cites) % citing))
    return SearchPlan(text, sources, tuple(cites), answer.search_query or question[:80])


def domain(url: str) -> str:
    return (urlsplit(url).hostname or url).lower().removeprefix("www.")


def snippet(source: CitedSource) -> str:
    return f"{source.title}（{source.date}）"


# --------------------------------------------------------------------------- engines' formats


def perplexity_fields(search: SearchPlan) -> tuple[str, dict[str, Any]]:
    """(text with [n] before each cited sentence's terminator, top-level search fields)."""
    text = search.text
    for cite in sorted(search.cites, key=lambda c: c.end, reverse=True):
        text = text[:cite.end] + f"[{cite.source + 1}]" + text[cite.end:]
    return text, {
        "citations": [source.url for source in search.sources],
        "search_results": [{"title": s.title, "url": s.url, "date": s.date, "last_updated": s.date,
                            "snippet": snippet(s), "source": "web"} for s in search.sources],
    }


def anthropic_content(search: SearchPlan, rid: str) -> list[dict[str, Any]]:
    """server_tool_use, web_search_tool_result, then text blocks: each cited sentence its own
    block with a web_search_result_location citation (the block is the span)."""
    tool_id = f"srvtoolu_{rid}"
    blocks: list[dict[str, Any]] = [
        {"type": "server_tool_use", "id": tool_id, "name": "web_search", "input": {"query": search.query}},
        {"type": "web_search_tool_result", "tool_use_id": tool_id, "content": [
            {"type": "web_search_result", "url": s.url, "title": s.title,
             "encrypted_content": hashlib.sha256(s.url.encode()).hexdigest(), "page_age": s.date}
            for s in search.sources]},
    ]
    position = 0
    for cite in search.cites:
        if cite.start > position:
            blocks.append({"type": "text", "text": search.text[position:cite.start]})
        source = search.sources[cite.source]
        blocks.append({"type": "text", "text": search.text[cite.start:cite.end], "citations": [{
            "type": "web_search_result_location", "url": source.url, "title": source.title,
            "encrypted_index": hashlib.sha256(f"{source.url}{cite.start}".encode()).hexdigest()[:24],
            "cited_text": snippet(source)}]})
        position = cite.end
    if position < len(search.text):
        blocks.append({"type": "text", "text": search.text[position:]})
    return blocks


def gemini_grounding(search: SearchPlan) -> dict[str, Any]:
    """groundingMetadata with chunk titles = domains and segments in UTF-8 byte offsets."""
    supports = []
    for cite in search.cites:
        start = len(search.text[:cite.start].encode())
        segment: dict[str, Any] = {"endIndex": start + len(search.text[cite.start:cite.end].encode()),
                                   "text": search.text[cite.start:cite.end]}
        if start:  # proto3 JSON leaves zero values out
            segment["startIndex"] = start
        supports.append({"segment": segment, "groundingChunkIndices": [cite.source]})
    return {
        "webSearchQueries": [search.query],
        "searchEntryPoint": {"renderedContent": "<div class=\"container\">"
                                                + "".join(f"<a>{s.site_name}</a>" for s in search.sources)
                                                + "</div>"},
        "groundingChunks": [{"web": {"uri": _REDIRECT + hashlib.sha256(s.url.encode()).hexdigest()[:40],
                                     "title": domain(s.url)}} for s in search.sources],
        "groundingSupports": supports,
    }


def responses_output(search: SearchPlan, rid: str) -> list[dict[str, Any]]:
    """A web_search_call (its action.sources every URL consulted), then the message whose
    output_text carries url_citation annotations in character offsets."""
    annotations = [{"type": "url_citation", "start_index": c.start, "end_index": c.end,
                    "url": search.sources[c.source].url, "title": search.sources[c.source].title}
                   for c in search.cites]
    return [
        {"type": "web_search_call", "id": f"ws_{rid}", "status": "completed", "action": {
            "type": "search", "query": search.query,
            "sources": [{"type": "url", "url": s.url} for s in search.sources]}},
        message_item(search.text, rid, annotations),
    ]


def message_item(text: str, rid: str, annotations: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": f"msg_{rid}", "type": "message", "status": "completed", "role": "assistant",
            "content": [{"type": "output_text", "text": text, "annotations": annotations, "logprobs": []}]}
