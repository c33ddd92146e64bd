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
# Word units are single CJK characters and Latin/digit runs; counted as CJK characters plus Latin
# units, which is the same number as the units of one combined scan (the two never touch).
# Both start with one character class rather than a repeat ("[x][x]*" for "[x]+"), which lets re
# skip ahead to the next character of the class instead of trying a match at every position.
_CJK_RUN = re.compile(f"{CJK_CHAR}{CJK_CHAR}*")
_LATIN_UNIT = re.compile(r"[A-Za-z0-9][A-Za-z0-9]*(?:['’][A-Za-z]+)?")
# Sentence ends: runs of Chinese and Latin terminators, semicolons and line breaks (list items
# and headings are their own "sentences" in Markdown answers), or a full stop before a blank or
# the end. Written to start with one character set, which lets re skip ahead between matches;
# same matches as "[。！？!?；;\n]+|\.(?=\s|$)".
_SENTENCE_END = re.compile(r"[。！？!?；;\n.](?:(?<=[。！？!?；;\n])[。！？!?；;\n]*|(?<=\.)(?=\s|$))")
# Characters that re.IGNORECASE matches to an ASCII letter or range although ASCII lowering
# leaves them alone: ſ (s), İ and ı (i), the Kelvin sign (k). See ascii_folded().
_CASE_EXOTIC = re.compile("[\u017f\u0130\u0131\u212a]")


def word_count(text: str, start: int = 0, end: int | None = None) -> int:
    """Word units in ``text[start:end]`` (without copying the slice)."""
    end = len(text) if end is None else end
    cjk = len("".join(_CJK_RUN.findall(text, start, end)))
    return cjk + len(_LATIN_UNIT.findall(text, start, end))


def ascii_folded(text: str) -> str | None:
    """``text`` with ASCII letters lowercased (same length, same offsets), or None.

    Case-insensitive scans run much faster as plain scans of this folded copy with lowercase
    patterns: re.IGNORECASE disables the first-character skip that makes a search cheap. The two
    give the same matches for patterns whose letters are ASCII or caseless (CJK), except at the
    few characters IGNORECASE also equates with ASCII letters; a text holding one gets None, and
    callers then use their IGNORECASE pattern (tests/analysis/test_textutil.py checks this
    against every Unicode character).
    """
    if _CASE_EXOTIC.search(text):
        return None
    # bytes.lower() only touches ASCII, and UTF-8 multibyte sequences hold no ASCII bytes.
    return text.encode("utf-8", "surrogatepass").lower().decode("utf-8", "surrogatepass")


def caseless_or_ascii(text: str) -> bool:
    """True when every character is ASCII or has no case (CJK): a literal made of such characters,
    ASCII-lowercased, finds on ascii_folded() text what IGNORECASE finds on the original."""
    return all(char.isascii() or char.lower() == char == char.upper() for char in text)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of non-blank sentences, in order."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        # Never empty (it holds its terminator): blank exactly when all whitespace.
        if not text[start:end].isspace():
            spans.append((start, end))
        start = end
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def trie_pattern(words: list[str] | tuple[str, ...] | set[str], *, not_after: str | None = None) -> str:
    """A regex alternation of ``words`` folded into a prefix trie, longest match first.

    Python's ``re`` tries a plain "a|b|c…" alternation word by word at every position; the trie
    form ("优(?:秀|质|势)|…") branches on one character at a time, which makes a scan with a
    few hundred lexicon words several times faster.

    ``not_after`` (a one-character class such as ``[A-Za-z]``) requires the word not to follow
    such a character. It is checked just after the word's first character ("g(?<![A-Za-z].)ood")
    rather than before it, so the pattern still starts with literals and re can skip ahead to
    the next possible first character instead of trying every position. For words starting with
    a word character, a not_after of r"\\w" is a leading word boundary.
    """
    branches = trie_branches(words, not_after=not_after)
    if len(branches) <= 1:
        return "".join(branches)
    return "(?:" + "|".join(branches) + ")"


def trie_branches(
    words: list[str] | tuple[str, ...] | set[str], *, not_after: str | None = None, suffix: str = ""
) -> list[str]:
    """The alternatives of trie_pattern(words, not_after=...) + ``suffix``, one per first character.

    Each starts with a literal. re skips ahead to the next possible first character only when
    every top-level alternative of a pattern starts with a literal, so one scan for several word
    lists must "|"-join their branches: joining their trie_pattern() groups loses the skip.
    """
    trie: dict[str, dict[str, Any]] = {}
    for word in set(words):
        if not word:
            continue
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    guard = ""
    if not_after is not None:
        if "\n" in trie:
            # The guard's "." never matches a line break.
            raise ValueError("a guarded word cannot start with a line break")
        guard = f"(?<!{not_after}.)"
    return [re.escape(char) + guard + _trie_to_regex(child) + suffix for char, child in sorted(trie.items())]


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
