"""Click-to-highlight evidence in the HTML report's answers (issue #12), without a script.

The page's Content-Security-Policy forbids scripts, so the interaction is CSS only:

- Each answer gets a radio group of visually hidden inputs, one per brand × role that has
  evidence, plus a "clear" one (checked at first). They are siblings that precede the answer's
  ``<pre>``, so ``input:checked ~ pre mark`` can reach the marks.
- The brand's name, rank and tone in the answer's analysis line are ``<label for=…>`` of those
  inputs: a click, or a keyboard focus plus arrow keys, checks one (a radio group is keyboard
  operable by itself; the focused input's label gets an outline).
- The answer text is cut into flat, non-overlapping segments at every evidence boundary. A
  segment inside several evidence ranges is one ``<mark>`` carrying all their classes, so
  overlapping ranges (a rank header that holds a mention and a tone sentence) need no nesting.

Class names depend only on the brand's position in the answer's analysis (``b0`` is the main
brand) and the role, and input ids are the only per-answer names, so one generic rule set serves
every answer: the CSS grows with the number of tracked brands, not with the number of cells.

Offsets are into the raw answer (``answer[start:end]``), so the text is split first and each
piece escaped after; offsets outside the text are clipped, empty ranges dropped.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from shared.analysis.types import AnswerAnalysis, BrandAnalysis

ROLES = ("mention", "rank", "tone")
# Highlight per role; the checked label wears the same colour so the reader sees what is shown.
ROLE_COLOURS = {"mention": "#fde68a", "rank": "#bfdbfe", "tone": "#bbf7d0"}
# Tone evidence is the sentence plus the cue words inside it: a segment covered by two tone
# ranges of one brand is a cue word, drawn stronger than its sentence.
CUE = "cue"
NOTE = (
    "Click a brand's name, rank or tone in an answer's analysis line (or focus it and use the arrow "
    "keys) to highlight the text it rests on; tone cue words are underlined."
)

_CSS_BASE = """
.ev-pick { position:absolute; opacity:0; width:1px; height:1px; margin:0; pointer-events:none; }
mark.ev { background:transparent; color:inherit; border-radius:2px; }
label.evl { cursor:pointer; border-radius:4px; padding:0 2px; border-bottom:1px dashed var(--muted); }
label.evl:hover { background:#f1f5f9; }
"""


class Segment(NamedTuple):
    """A stretch of the answer with the evidence classes that cover all of it (none: plain text)."""

    text: str
    classes: tuple[str, ...]


def brand_class(index: int, role: str) -> str:
    return f"b{index}-{role}"


def segments(text: str, spans: Iterable[tuple[int, int, str]]) -> list[Segment]:
    """``text`` cut at every span boundary into flat segments, each with the classes covering it.

    ``spans`` are ``(start, end, class)`` in character offsets of ``text``; they may overlap,
    nest, repeat or abut. A class covering a segment twice (a cue word inside its tone sentence)
    is listed once, followed by its ``-cue`` form when it is a tone class. Neighbouring segments
    with the same classes are merged, so the concatenated texts are always ``text``.
    """
    size = len(text)
    events: list[tuple[int, int, str]] = []  # (offset, +1 open / -1 close, class)
    for start, end, klass in spans:
        start, end = max(0, min(start, size)), max(0, min(end, size))
        if start < end:
            events += [(start, 1, klass), (end, -1, klass)]
    if not events:
        return [Segment(text, ())] if text else []
    events.sort(key=lambda event: event[0])
    out: list[Segment] = []
    active: Counter[str] = Counter()
    at = 0
    for offset, step, klass in events:
        if offset > at:
            _append(out, Segment(text[at:offset], _classes(active)))
            at = offset
        active[klass] += step
        if not active[klass]:
            del active[klass]
    if at < size:
        _append(out, Segment(text[at:], ()))
    return out


def _classes(active: Counter[str]) -> tuple[str, ...]:
    names: list[str] = []
    for klass in sorted(active):
        names.append(klass)
        if active[klass] > 1 and klass.endswith("-tone"):
            names.append(klass.removesuffix("tone") + CUE)
    return tuple(names)


def _append(out: list[Segment], segment: Segment) -> None:
    if out and out[-1].classes == segment.classes:
        out[-1] = Segment(out[-1].text + segment.text, segment.classes)
    else:
        out.append(segment)


def render_segments(parts: Sequence[Segment]) -> str:
    """Escaped HTML of the segments: plain text, or ``<mark class="ev …">`` for evidence."""
    return "".join(
        f'<mark class="ev {" ".join(part.classes)}">{_e(part.text)}</mark>' if part.classes else _e(part.text)
        for part in parts
    )


def evidence_spans(analysis: AnswerAnalysis) -> list[tuple[int, int, str]]:
    return [
        (evidence.start, evidence.end, brand_class(index, evidence.role))
        for index, found in enumerate(analysis.brands.values())
        for evidence in found.evidence
    ]


def answer_html(body: str, analysis: AnswerAnalysis | None) -> str:
    """The answer text (already chosen by the caller) with its evidence marked, escaped."""
    if analysis is None:
        return _e(body)
    return render_segments(segments(body, evidence_spans(analysis)))


def _input_id(key: str, index: int, role: str) -> str:
    return f"ev{key}-{brand_class(index, role)}"


def _roles(found: BrandAnalysis) -> set[str]:
    return {evidence.role for evidence in found.evidence if evidence.end > evidence.start}


def pickers(key: str, analysis: AnswerAnalysis | None) -> str:
    """The answer's hidden radio group (``key`` is unique per answer on the page)."""
    if analysis is None or not any(_roles(found) for found in analysis.brands.values()):
        return ""
    group = f"ev{key}"
    inputs = [
        f'<input type="radio" class="ev-pick ev-none" name="{group}" id="{group}-none" checked>'
    ]
    for index, found in enumerate(analysis.brands.values()):
        roles = _roles(found)
        inputs += [
            f'<input type="radio" class="ev-pick {brand_class(index, role)}" name="{group}" '
            f'id="{_input_id(key, index, role)}">'
            for role in ROLES
            if role in roles
        ]
    return "".join(inputs)


def _label(key: str, index: int, role: str, text: str, roles: set[str]) -> str:
    if role not in roles:
        return _e(text)
    klass = brand_class(index, role)
    return f'<label class="evl {klass}" for="{_input_id(key, index, role)}">{_e(text)}</label>'


def analysis_line(key: str, analysis: AnswerAnalysis) -> str:
    """Inner HTML of the answer's analysis line: ``name: #rank tone (unsure) · …`` as before,
    with the name, rank and tone as labels of their evidence inputs."""
    parts: list[str] = []
    any_evidence = False
    for index, (name, found) in enumerate(analysis.brands.items()):
        roles = _roles(found)
        any_evidence = any_evidence or bool(roles)
        head = _label(key, index, "mention", name, roles if found.mentioned else set())
        if not found.mentioned:
            parts.append(f"{head}: absent")
            continue
        state = []
        if found.rank is not None:
            state.append(_label(key, index, "rank", f"#{found.rank}", roles))
        if found.tone:
            state.append(_label(key, index, "tone", found.tone, roles))
        if found.confidence == "unsure":
            state.append("(unsure)")
        parts.append(f"{head}: {' '.join(state)}")
    if analysis.intercepted_by:
        parts.append(_e("intercepted by " + ", ".join(analysis.intercepted_by)))
    if any_evidence:
        parts.append(f'<label class="evl ev-none" for="ev{key}-none">clear highlight</label>')
    return " · ".join(parts)


def css(brand_slots: int) -> str:
    """The generic rule set for answers tracking up to ``brand_slots`` brands."""
    if brand_slots <= 0:
        return ""
    rules = [_CSS_BASE.strip()]
    slots = range(brand_slots)
    for role in ROLES:
        picked = [f".ev-pick.{brand_class(i, role)}:checked" for i in slots]
        marks = ",".join(f"{p}~.answer mark.{brand_class(i, role)}" for i, p in zip(slots, picked, strict=True))
        labels = ",".join(f"{p}~.meta label.{brand_class(i, role)}" for i, p in zip(slots, picked, strict=True))
        rules.append(f"{marks}{{background:{ROLE_COLOURS[role]};}}")
        rules.append(f"{labels}{{background:{ROLE_COLOURS[role]};border-bottom-style:solid;}}")
    cues = ",".join(f".ev-pick.{brand_class(i, 'tone')}:checked~.answer mark.{brand_class(i, CUE)}" for i in slots)
    rules.append(f"{cues}{{text-decoration:underline 2px;text-underline-offset:3px;font-weight:600;}}")
    # Keyboard users see which label their focused radio belongs to.
    focus = [".ev-pick.ev-none:focus-visible~.meta label.ev-none"] + [
        f".ev-pick.{brand_class(i, role)}:focus-visible~.meta label.{brand_class(i, role)}"
        for i in slots
        for role in ROLES
    ]
    rules.append(f"{','.join(focus)}{{outline:2px solid var(--main);outline-offset:1px;}}")
    return "\n" + "\n".join(rules) + "\n"


def brand_slots(analyses: Iterable[AnswerAnalysis | None]) -> int:
    """How many brand positions the page's answers use (the size of the generic rule set)."""
    return max((len(a.brands) for a in analyses if a is not None), default=0)


def _e(text: str) -> str:
    return html.escape(text, quote=True)
