"""Small text helpers shared by the analyser: script detection, word counts, sentence spans.

Chinese has no spaces, so "words" are counted the way Chinese readability work usually does:
each CJK character is one unit and each Latin/digit run is one unit. That keeps the GEO
impression metric comparable between Chinese and English answers.
"""

from __future__ import annotations

import re
from typing import Any

_CJK_RANGES = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_CHAR = f"[{_CJK_RANGES}]"
_WORD_UNITS = re.compile(f"{CJK_CHAR}|[A-Za-z0-9]+(?:['’][A-Za-z]+)?")
# Sentence ends: Chinese and Latin terminators, semicolons, and line breaks (list items and
# headings are their own "sentences" in Markdown answers).
_SENTENCE_END = re.compile(r"[。！？!?；;\n]+|\.(?=\s|$)")
_HAS_CJK = re.compile(CJK_CHAR)


def has_cjk(text: str) -> bool:
    return _HAS_CJK.search(text) is not None


def word_count(text: str) -> int:
    return len(_WORD_UNITS.findall(text))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of non-blank sentences, in order."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        if text[start:end].strip():
            spans.append((start, end))
        start = end
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def trie_pattern(words: list[str] | tuple[str, ...] | set[str]) -> str:
    """A regex alternation of ``words`` folded into a prefix trie, longest match first.

    Python's ``re`` tries a plain "a|b|c…" alternation word by word at every position; the trie
    form ("优(?:秀|质|势)|…") branches on one character at a time, which makes a scan with a
    few hundred lexicon words several times faster.
    """
    trie: dict[str, dict[str, Any]] = {}
    for word in set(words):
        if not word:
            continue
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_to_regex(trie)


def _trie_to_regex(node: dict[str, dict[str, Any]]) -> str:
    ends_here = "" in node
    branches = [re.escape(char) + _trie_to_regex(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if ends_here:
        # Greedy optional: the longer word wins, the shorter one still matches on its own.
        return f"(?:{body})?" if len(branches) > 1 or len(body) > 1 else f"{body}?"
    return body
