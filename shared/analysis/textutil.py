"""Small text helpers shared by the analyser: script detection, word counts, sentence spans.

Chinese has no spaces, so "words" are counted the way Chinese readability work usually does:
each CJK character is one unit and each Latin/digit run is one unit. That keeps the GEO
impression metric comparable between Chinese and English answers.
"""

from __future__ import annotations

import re

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
    return sum(1 for _ in _WORD_UNITS.finditer(text))


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
