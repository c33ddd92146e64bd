"""Which words of a sentence judge which brand: points of comparison and clauses.

The labelling guide calls a brand named as the point of comparison neutral ("略逊于欧派",
"与索菲亚、志邦相比，欧派的优势在于…"): the judgement is about the other brand. And in a sentence
naming several brands, each clause judges the brands it names ("欧派具有一定优势，但索菲亚、志邦
各有特色"): a clause naming no brand continues the one before it (its subject carries over).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise

from shared.analysis.matching import Mention

# Words right before a brand name that make it the point of comparison ("逊于X", "比X", "相比X",
# "相对华为稍弱").
_COMPARISON_BEFORE = re.compile(
    r"(?:[逊优低高胜强弱次慢快好差多少贵便]于|比|相比|相较|对比|不如|较之|比起|相对)\s*(?:\*\*)?$"
)
# "与X、Y等竞品相比", "与欧派类似": every brand between the opener and the closer, in one clause,
# is a point of comparison.
_COMPARISON_FRAME = re.compile(
    r"(?:与|跟|同)[^，,。；;！!？?\n]{0,40}?(?:相比|相较|比较|比起|对比|类似|相似|一样)"
)
# What may separate the names of one list ("对比志邦、尚品宅配"): a brand listed right after a
# point of comparison is one too. Not "，": "相比华为，小米更好" names 小米 as the subject.
_LIST_GAP = re.compile(r"(?:\s|\*\*|[（(][^）)\n]{0,30}[）)])*[、和与及或/](?:\s|\*\*)*")
# Clause boundaries inside a sentence (sentences already end at 。！？； and line breaks).
_CLAUSE_END = re.compile(r"[，,：:]")


def comparison_points(text: str, mentions: Sequence[Mention]) -> set[int]:
    """Indexes (into ``mentions``) of the mentions that name a point of comparison."""
    frames = [(m.start(), m.end()) for m in _COMPARISON_FRAME.finditer(text)]
    points: set[int] = set()
    previous_end = -1
    for index, mention in enumerate(mentions):
        if (
            _COMPARISON_BEFORE.search(text, max(0, mention.start - 3), mention.start)
            or any(start < mention.start and mention.end <= end for start, end in frames)
            or (
                index - 1 in points
                and _LIST_GAP.fullmatch(text, previous_end, mention.start) is not None
            )
        ):
            points.add(index)
        previous_end = mention.end
    return points


def clause_owners(
    text: str, start: int, end: int, named: Sequence[tuple[int, str]]
) -> list[tuple[int, int, set[str]]]:
    """The clauses of ``text[start:end]`` with the brands each judges.

    ``named``: (offset, brand) of the mentions in the sentence that are not points of comparison.
    A clause naming no brand belongs to the brands of the nearest clause before it that names
    some (else the nearest after it).
    """
    bounds = [start, *(m.end() for m in _CLAUSE_END.finditer(text, start, end)), end]
    clauses: list[tuple[int, int, set[str]]] = []
    for clause_start, clause_end in pairwise(bounds):
        if clause_end > clause_start:
            brands = {brand for offset, brand in named if clause_start <= offset < clause_end}
            clauses.append((clause_start, clause_end, brands))
    carried: set[str] = set()
    for clause in clauses:
        if clause[2]:
            carried = clause[2]
        else:
            clause[2].update(carried)
    for clause in reversed(clauses):
        if clause[2]:
            carried = clause[2]
        else:
            clause[2].update(carried)
    return clauses


# A pronoun for the brand just named ("其价格偏高", "该品牌…"); not the "其" of 其中/其他/尤其/与其….
_PRONOUN = re.compile(r"(?<![尤极与])其(?![中他它实次余])|该品牌|该公司|它(?!们)")


def pronoun_owners(text: str, sentences: Sequence[tuple[int, int]], owners: dict[int, set[str]]) -> dict[int, set[str]]:
    """Sentences naming no brand that refer back, by a pronoun, to the one brand of the sentence
    right before them in the same paragraph ("欧派口碑积极。然而，也有用户反馈其价格偏高。")."""
    found: dict[int, set[str]] = {}
    for index in range(1, len(sentences)):
        if index in owners:
            continue
        before = found.get(index - 1) or owners.get(index - 1)
        start, end = sentences[index]
        if (
            before is not None
            and len(before) == 1
            # Sentences keep their trailing line breaks: a blank line ends the paragraph.
            and "\n\n" not in text[sentences[index - 1][0] : start]
            and _PRONOUN.search(text, start, end)
        ):
            found[index] = set(before)
    return found
