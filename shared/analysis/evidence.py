"""Evidence and confidence of each verdict (issue #12): where in the answer it comes from, and
whether an analyst should look at it.

Evidence is character offsets into the answer as stored (``answer[start:end]``), not into the
analysed text: the analyser reads the answer without its geo_analysis self-report block, so
``AnswerOffsets`` maps the one onto the other.

- ``mention``: the places the brand is named (the first ``MENTION_EVIDENCE`` of them).
- ``rank``: the option header that carries the brand (its first line; a table row for a table).
- ``tone``: every sentence read for the brand's tone that holds a cue word, and the cue words
  themselves; a brand whose sentences hold no cue word (neutral) cites its first such sentence.

A verdict is ``unsure`` when the rules are on ground the labelling guide calls ambiguous (see
``UNSURE_REASONS``); the report counts these per model and lists them for review, and an
optional judge model re-reads them. Sure/unsure is measured on the dev split (docs/analysis.md).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from shared.analysis.matching import Mention
from shared.analysis.options import Option
from shared.analysis.sentiment import SentimentIndex
from shared.analysis.types import Evidence

MENTION_EVIDENCE = 5
# A "sentence" this short is a list number ("3.") cut off by the sentence splitter.
_LIST_NUMBER = 4

UNSURE_REASONS: dict[str, str] = {
    "mixed_tone": "praise and a drawback in the brand's own sentences (the guide's neutral)",
    "shared_header": "an option header that names another tracked brand too",
    "inside_other_option": "named inside another brand's option block",
    "compared_only": "named only as the point of a comparison",
    "table_layout": "ranked from a table row rather than a list",
    "prose_only": "judged from prose alone: the brand heads no option and sits in none",
}


class AnswerOffsets:
    """Maps offsets of the analysed text (the answer minus its self-report block) to the answer's.

    ``cut_self_report`` keeps the text before the block (right-stripped) and after it (stripped),
    joined by a blank line: the text is a shared prefix and a shared suffix of the right-stripped
    answer around that blank line. An offset inside the joining blank line maps to the cut.
    """

    __slots__ = ("identity", "prefix", "shift", "suffix_from")

    def __init__(self, answer: str, text: str) -> None:
        self.identity = answer == text
        self.prefix = self.suffix_from = self.shift = 0
        if self.identity:
            return
        whole = answer.rstrip()
        limit = min(len(whole), len(text))
        prefix = 0
        while prefix < limit and whole[prefix] == text[prefix]:
            prefix += 1
        suffix = 0
        while suffix < limit - prefix and whole[-1 - suffix] == text[-1 - suffix]:
            suffix += 1
        self.prefix = prefix
        self.suffix_from = len(text) - suffix  # where the shared suffix starts in the text
        self.shift = len(whole) - len(text)

    def at(self, offset: int, *, end: bool = False) -> int:
        """The answer's offset of a text offset. The shared prefix and suffix may meet (the
        joining blank line matches blanks on both sides of the cut): there a span's start maps
        after the cut and its end before it."""
        if self.identity:
            return offset
        if end and offset <= self.prefix:
            return offset
        if offset >= self.suffix_from:
            return offset + self.shift
        return min(offset, self.prefix)

    def evidence(self, role: str, start: int, end: int) -> Evidence:
        # role is one of EvidenceRole: every caller passes a literal of it.
        return Evidence(role=role, start=self.at(start), end=self.at(end, end=True))  # type: ignore[arg-type]


def trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` without the blanks at either end (a sentence span holds its line break)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _line_at(text: str, start: int, end: int, needle: str) -> tuple[int, int]:
    """The line of ``text[start:end]`` holding ``needle`` (its first line when absent)."""
    found = text.find(needle, start, end) if needle else -1
    at = found if found >= 0 else start
    line_start = text.rfind("\n", start, at) + 1 if at > start else start
    line_end = text.find("\n", at, end)
    return trimmed(text, max(line_start, start), line_end if line_end >= 0 else end)


def rank_evidence(text: str, option: Option, offsets: AnswerOffsets, table: bool) -> Evidence:
    if table:
        start, end = _line_at(text, option.start, option.end, option.header)
    else:
        start, end = _line_at(text, option.start, option.end, "")
    return offsets.evidence("rank", start, end)


def tone_evidence(
    text: str,
    sentences: Sequence[tuple[int, int]],
    owned: Sequence[int],
    mentions: Sequence[Mention],
    index: SentimentIndex,
    offsets: AnswerOffsets,
) -> list[Evidence]:
    """Sentences read for the tone that hold cue words, plus the cue words.

    With no cue word at all (a neutral verdict), the sentence read is cited: the first one that
    names the brand, else the first with more than a list number in it. A brand named only as a
    point of comparison owns no sentence: the one naming it first is what its neutral tone reads.
    """
    if not owned and mentions:
        at = mentions[0].start
        start, end = next((s for s in sentences if s[0] <= at < s[1]), (at, mentions[0].end))
        return [offsets.evidence("tone", *trimmed(text, start, end))]
    out: list[Evidence] = []
    for sentence in owned:
        start, end = sentences[sentence]
        cues = index.cues(start, end)
        if not cues:
            continue
        out.append(offsets.evidence("tone", *trimmed(text, start, end)))
        out.extend(offsets.evidence("tone", cue_start, cue_end) for cue_start, cue_end, _ in cues)
    if out or not owned:
        return out
    spans = [trimmed(text, *sentences[sentence]) for sentence in owned]
    naming = [s for s in spans if any(s[0] <= m.start < s[1] for m in mentions)]
    worded = [s for s in spans if s[1] - s[0] > _LIST_NUMBER]
    start, end = (naming or worded or spans)[0]
    return [offsets.evidence("tone", start, end)]


def mention_evidence(mentions: Sequence[Mention], offsets: AnswerOffsets) -> list[Evidence]:
    return [offsets.evidence("mention", m.start, m.end) for m in mentions[:MENTION_EVIDENCE]]


def inside_other_option(name: str, mentions: Sequence[Mention], options: Sequence[Option]) -> bool:
    """Some mention of ``name`` lies in the block of an option headed by another brand."""
    foreign = [o for o in options if o.brands and o.brands[0] != name]
    if not foreign:
        return False
    starts = sorted((o.start, o.end) for o in foreign)
    keys = [start for start, _ in starts]
    for mention in mentions:
        at = bisect.bisect_right(keys, mention.start) - 1
        # Blocks nest (a heading over its items): check every block starting before the mention.
        while at >= 0:
            start, end = starts[at]
            if start <= mention.start < end:
                return True
            at -= 1
    return False


def unsure_reasons(
    *,
    mixed_tone: bool,
    shared_header: bool,
    inside_other: bool,
    compared_only: bool,
    table: bool,
    prose_only: bool = False,
) -> list[str]:
    """The reasons (keys of UNSURE_REASONS) that make a brand's verdicts unsure, in that order."""
    flags = {
        "mixed_tone": mixed_tone,
        "shared_header": shared_header,
        "inside_other_option": inside_other,
        "compared_only": compared_only,
        "table_layout": table,
        "prose_only": prose_only,
    }
    return [reason for reason, on in flags.items() if on]
