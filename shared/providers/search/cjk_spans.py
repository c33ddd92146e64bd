"""Citation markers and sentence spans, shared by the marker-style search dialects (issue #18).

Chinese engines mark citations inline: DashScope ``[ref_1]`` or ``[1]``, Zhipu ``[ref_1]``, Qianfan
``^[1]^`` / ``^[1][2]^``, Hunyuan ``[^1]``. The markers are **removed** from the answer text:
the stored ``CellResult.answer`` is what a reader of the app sees minus the footnote glyphs, the
analyser never mistakes ``[ref_3]`` for content, and each marker becomes a span instead. A span is
the sentence the marker ends (CJK-aware: 。！？；!?; and line breaks end sentences), in *character*
offsets of the cleaned text, so ``answer[span.start:span.end]`` is the cited sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from shared.contracts import Source, Span
from shared.providers.search.shape import domain_of

# A sentence ends after one of these (full-width and ASCII) or at a line break.
_TERMINATORS = frozenset("。！？；!?;\n")
_CLOSERS = frozenset("”’」』）)】")


def strip_markers(text: str, pattern: re.Pattern[str]) -> tuple[str, list[tuple[int, list[str]]]]:
    """``text`` without the markers ``pattern`` matches, and where each stood in the cleaned text.

    ``pattern`` must have one group per reference or capture the whole run; every ``\\d+`` or
    ``ref_\\d+`` inside a match is one reference (``^[1][2]^`` cites two sources).
    """
    out: list[str] = []
    markers: list[tuple[int, list[str]]] = []
    cursor = length = 0
    for match in pattern.finditer(text):
        piece = text[cursor:match.start()]
        out.append(piece)
        length += len(piece)
        refs = re.findall(r"\d+", match.group(0))
        if refs:
            markers.append((length, refs))
        cursor = match.end()
    out.append(text[cursor:])
    return "".join(out), markers


def sentence_bounds(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text``: leading whitespace skipped, the terminator (and a
    closing quote after it) included, a line break not."""
    bounds: list[tuple[int, int]] = []
    start = 0
    i = 0
    while i < len(text):
        char = text[i]
        if char in _TERMINATORS:
            end = i if char == "\n" else i + 1
            while char != "\n" and end < len(text) and text[end] in _CLOSERS:
                end += 1
            _add(bounds, text, start, end)
            start = i + 1 if char == "\n" else end
            i = max(i + 1, start)
            continue
        i += 1
    _add(bounds, text, start, len(text))
    return bounds


def _add(bounds: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        bounds.append((start, end))


def sentence_at(bounds: list[tuple[int, int]], position: int) -> tuple[int, int] | None:
    """The sentence a marker at ``position`` ends: the one holding the character before it."""
    target = position - 1
    for start, end in bounds:
        if start <= target < end:
            return start, end
    # A marker after trailing whitespace or a line break still closes the sentence before it.
    earlier = [(s, e) for s, e in bounds if e <= position]
    return earlier[-1] if earlier else None


def spans_from_markers(text: str, markers: Iterable[tuple[int, list[str]]],
                       ref_to_id: Mapping[str, str]) -> list[Span]:
    """One span per cited sentence, its source ids in marker order (unknown references dropped)."""
    bounds = sentence_bounds(text)
    by_sentence: dict[tuple[int, int], list[str]] = {}
    for position, refs in markers:
        sentence = sentence_at(bounds, position)
        if sentence is None:
            continue
        ids = by_sentence.setdefault(sentence, [])
        for ref in refs:
            source_id = ref_to_id.get(ref)
            if source_id is not None and source_id not in ids:
                ids.append(source_id)
    return [Span(start=s, end=e, source_ids=ids) for (s, e), ids in sorted(by_sentence.items()) if ids]


def sentence_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence(s) covering character range [start, end) — an annotation's range widened to
    whole sentences, so every dialect's span means the same thing."""
    bounds = sentence_bounds(text)
    covering = [(s, e) for s, e in bounds if s < max(end, start + 1) and e > start]
    if not covering:
        return start, end
    return covering[0][0], covering[-1][1]


def mark_kinds(sources: list[Source], spans: list[Span]) -> list[Source]:
    """Each source ``cited`` when a span points at it, ``retrieved`` otherwise (consulted only)."""
    cited = {source_id for span in spans for source_id in span.source_ids}
    for source in sources:
        source.kind = "cited" if source.id in cited else "retrieved"
    return sources


def make_source(source_id: str, url: object, title: object = None, site_name: object = None) -> Source | None:
    """A Source from an engine's result fields, or None when the URL is not an http(s) link."""
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return None
    return Source(id=source_id, url=url, domain=domain_of(url),
                  title=title if isinstance(title, str) else "",
                  site_name=site_name if isinstance(site_name, str) else "")
