"""What an answer the simulator composed says about each brand in it: its ground truth.

The simulator wrote the answer, so it knows which brand heads which option and how it meant to
speak of each; a judge prompt about that answer is answered from this (judging.py), so the
judge path is tested end to end against known verdicts. The definitions are the labelling
guide's (docs/analysis.md): rank is the position among the options the answer recommends
(reading order across groups), None for a brand that is the answer's own subject or only named
inside a sentence; tone is ``neutral`` where an option states a drawback beside its praise.
"""

from __future__ import annotations

from dataclasses import dataclass

# Layouts whose options state each brand's drawback beside its strengths ("不足", "需要注意",
# "不过也有用户反映"): mixed praise and drawback is the guide's neutral.
_MIXED_LAYOUTS = frozenset({"consultant", "compact", "cited"})
# tone_for() thresholds of a single-brand answer (subject_answers.py picks its template by them).
POSITIVE_FROM = 0.35
NEUTRAL_FROM = -0.15


@dataclass(frozen=True, slots=True)
class BrandTruth:
    name: str
    aliases: tuple[str, ...]
    rank: int | None
    tone: str


def _tone_of(score: float) -> str:
    if score >= POSITIVE_FROM:
        return "positive"
    return "neutral" if score >= NEUTRAL_FROM else "negative"


def answer_truth(kind: str, layout: str, ranked: list[tuple[str, tuple[str, ...]]], subject: str,
                 subject_tone: float | None) -> tuple[BrandTruth, ...]:
    """The truth of each brand in an answer. ``ranked``: (name, aliases) of the brands the
    composer put in the answer, in its order; ``subject``: the brand a single-brand answer is
    about, with its tone score."""
    if kind == "category":
        tone = "neutral" if layout in _MIXED_LAYOUTS else "positive"
        return tuple(BrandTruth(name, aliases, i, tone) for i, (name, aliases) in enumerate(ranked, 1))
    if kind == "comparison":
        # Per-brand sections in the question's order, each with 优势 and 不足: ranked, neutral.
        return tuple(BrandTruth(name, aliases, i, "neutral") for i, (name, aliases) in enumerate(ranked, 1))
    truths = []
    for name, aliases in ranked:
        if kind == "brand" and name == subject and subject_tone is not None:
            # The subject of an answer about itself is unranked (its sections are aspects).
            truths.append(BrandTruth(name, aliases, None, _tone_of(subject_tone)))
        else:
            # Alternatives named in one sentence ("可以对比：A、B"): points of comparison.
            truths.append(BrandTruth(name, aliases, None, "neutral"))
    return tuple(truths)
