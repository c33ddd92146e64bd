"""Search-grounded answers in each Chinese engine's documented search format (issue #18).

``citing`` turns a composed answer into a cited one: every sentence that names a known brand is
backed by one of the answer's sources, so end-to-end tests can check that a brand's citations land
on the sentence naming it. The format modules render that one plan in each dialect: markers
(``[ref_n]``, ``^[n]^``, ``[^n]``), Ark's ``url_citation`` annotations, or Kimi's URLs in the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from services.simulator.answers import Answer
from services.simulator.cited_sources import CitedSource
from services.simulator.knowledge import find_brands, find_category

_TERMINATORS = "。！？；!?;\n"
_OLD_CITES = re.compile(r"\[\d+\]")
_FALLBACK = (("百度百科", "https://baike.baidu.com/item/"), ("知乎", "https://www.zhihu.com/question/"))


@dataclass(frozen=True, slots=True)
class Cited:
    """The answer without markers, its sources, and (start, end, source index) per cited sentence;
    ``end`` is just before the sentence's terminator, where a marker goes."""

    text: str
    sources: tuple[CitedSource, ...]
    sentences: tuple[tuple[int, int, int], ...]


def sources_for(answer: Answer, question: str) -> tuple[CitedSource, ...]:
    if answer.sources:
        return answer.sources
    category = find_category(question)
    pairs = [(s.site_name, s.url_prefix) for s in category.sources[:3]] if category else list(_FALLBACK)
    return tuple(CitedSource(site_name=name, url=f"{prefix}{100000 + i}", title=f"{question[:20]} - {name}",
                             date="2026-01-01") for i, (name, prefix) in enumerate(pairs or _FALLBACK))


def citing(answer: Answer, question: str) -> Cited:
    text = _OLD_CITES.sub("", answer.content)
    sources = sources_for(answer, question)
    sentences: list[tuple[int, int, int]] = []
    start = 0
    for i, char in enumerate(text + "\n"):
        if char not in _TERMINATORS:
            continue
        if find_brands(text[start:i]):
            sentences.append((start, i, len(sentences) % len(sources)))
        start = i + 1
    return Cited(text, sources, tuple(sentences))


def with_markers(cited: Cited, marker: Callable[[int], str]) -> str:
    """The text with ``marker(source_number)`` inserted where each cited sentence ends."""
    out: list[str] = []
    cursor = 0
    for _, end, index in cited.sentences:
        out += [cited.text[cursor:end], marker(index + 1)]
        cursor = end
    out.append(cited.text[cursor:])
    return "".join(out)
