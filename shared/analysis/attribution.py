"""Which of an answer's sources back which brand (issue #18): citation attribution.

The rules (docs/analysis.md, "Citation attribution"):

- A source is *cited* when some span of the answer points at it. It is attributed to every
  tracked brand that a sentence overlapping that span is about: the brands the sentence names,
  and the brands of the option block it sits in (the numbered/bulleted block whose header names
  them). A sentence in B's block that also names A counts for both: the engine cited it while
  recommending B, and it speaks about A.
- A source no span points at (kind *retrieved*: consulted, not cited) is never attributed. A
  *named* source (only written out in the text) is attributed when a span points at it: Kimi has
  no structured list, and its dialect spans each URL by the sentence that writes it out.

Sentences are the analyser's CJK-aware split (。！？；\\n and Western . ! ? ;), and mentions and
option blocks are the analyser's own (``analyse`` passes them in), so the two always agree about
where a brand is. The analyser reads the answer without its geo_analysis self-report block while
spans are offsets of the whole answer: the sentences are mapped into the answer's offsets with
the evidence's ``AnswerOffsets`` (one mapping for evidence and citations), and compared there.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from shared.analysis.evidence import AnswerOffsets, trimmed
from shared.analysis.matching import Mention
from shared.analysis.options import Option
from shared.contracts import Source, Span


def sentence_brands(
    sentences: Sequence[tuple[int, int]], mentions: Sequence[Mention], options: Sequence[Option]
) -> list[set[str]]:
    """For each sentence, the tracked brands it is about: those it names and its option block's."""
    about: list[set[str]] = [set() for _ in sentences]
    ends = [end for _, end in sentences]
    starts = [start for start, _ in sentences]
    for mention in mentions:
        # The sentence a mention sits in is the first one ending after its start.
        index = bisect.bisect_right(ends, mention.start)
        if index < len(sentences):
            about[index].add(mention.brand)
    for option in options:
        if not option.brands:
            continue
        for index in range(bisect.bisect_left(starts, option.start), len(sentences)):
            if starts[index] >= option.end:
                break
            about[index].update(option.brands)
    return about


def cited_by_brand(
    text: str,
    offsets: AnswerOffsets,
    sentences: Sequence[tuple[int, int]],
    about: Sequence[set[str]],
    sources: Sequence[Source],
    spans: Sequence[Span],
) -> dict[str, list[str]]:
    """Source ids attributed to each tracked brand, in the order of ``sources``.

    ``sentences`` and ``about`` are over the analysed text, ``offsets`` maps that text onto the
    answer, and ``spans`` are offsets of the answer. Span ids that name no source are ignored.
    """
    known = [source.id for source in sources]
    if not spans or not known:
        return {}
    known_set = set(known)
    # Sentences in the answer's offsets, without their blanks: a sentence holding the blank line
    # that joins the text around a cut self-report would otherwise stretch over the whole block.
    placed = []
    for start, end in sentences:
        start, end = trimmed(text, start, end)
        placed.append((offsets.at(start), offsets.at(end, end=True)))
    starts = [start for start, _ in placed]
    attributed: dict[str, set[str]] = {}
    for span in spans:
        ids = [source_id for source_id in span.source_ids if source_id in known_set]
        if not ids or span.end <= span.start:
            continue
        # Sentences overlapping [start, end): from the last one starting at or before start.
        index = max(bisect.bisect_right(starts, span.start) - 1, 0)
        while index < len(placed) and placed[index][0] < span.end:
            if placed[index][1] > span.start and placed[index][1] > placed[index][0]:
                for name in about[index]:
                    attributed.setdefault(name, set()).update(ids)
            index += 1
    return {name: [i for i in known if i in ids] for name, ids in attributed.items()}
