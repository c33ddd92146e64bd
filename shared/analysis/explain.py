"""``brandlens analyze --explain``: each verdict with the text it rests on, for a reader.

One block per answer: every tracked brand's verdicts (mentioned, rank, tone, confidence), then
the evidence quoted from the answer — the option header for the rank, the sentence(s) and cue
words for the tone, the places it is named — with the character offsets a program would use.
"""

from __future__ import annotations

from shared.analysis.evidence import UNSURE_REASONS
from shared.analysis.types import AnswerAnalysis, BrandAnalysis, Evidence

# Quotes longer than this are cut in the middle: the offsets give the whole stretch.
QUOTE_CHARS = 80


def quote(answer: str, evidence: Evidence) -> str:
    text = answer[evidence.start:evidence.end].replace("\n", " ⏎ ")
    if len(text) > QUOTE_CHARS:
        half = QUOTE_CHARS // 2
        text = f"{text[:half]} … {text[-half:]}"
    return f"「{text}」 [{evidence.start}:{evidence.end}]"


def _verdicts(name: str, found: BrandAnalysis, main: bool) -> str:
    who = f"{name} (main)" if main else name
    if not found.mentioned:
        return f"  {who}: not mentioned"
    rank = f"rank {found.rank}" if found.rank is not None else "unranked"
    line = f"  {who}: mentioned ×{found.mention_count}, {rank}, tone {found.tone} ({found.sentiment:+.2f})"
    if found.confidence == "unsure":
        reasons = "; ".join(UNSURE_REASONS.get(r, r) for r in found.unsure_reasons)
        return f"{line}, UNSURE — {reasons}"
    return f"{line}, sure"


def _evidence_lines(answer: str, found: BrandAnalysis) -> list[str]:
    lines: list[str] = []
    ranks = [e for e in found.evidence if e.role == "rank"]
    lines += [f"      rank     {quote(answer, e)}" for e in ranks]
    tone = [e for e in found.evidence if e.role == "tone"]
    # Cue words sit inside the sentence cited just before them.
    sentence: Evidence | None = None
    cues: list[str] = []

    def flush() -> None:
        if sentence is not None:
            words = f"  cues: {', '.join(cues)}" if cues else "  (no cue word)"
            lines.append(f"      tone     {quote(answer, sentence)}{words}")

    for e in tone:
        if sentence is not None and sentence.start <= e.start and e.end <= sentence.end and e != sentence:
            cues.append(answer[e.start:e.end])
            continue
        flush()
        sentence, cues = e, []
    flush()
    mentions = [f"[{e.start}:{e.end}]" for e in found.evidence if e.role == "mention"]
    if mentions:
        lines.append(f"      mention  {' '.join(mentions)}")
    return lines


def explain(answer: str, analysis: AnswerAnalysis, number: int) -> str:
    main = next(iter(analysis.brands), "")
    lines = [f"answer {number} (analyser {analysis.analyser_version})"]
    for name, found in analysis.brands.items():
        lines.append(_verdicts(name, found, name == main))
        lines.extend(_evidence_lines(answer, found))
    if analysis.intercepted_by:
        lines.append(f"  recommended above the main brand: {', '.join(analysis.intercepted_by)}")
    return "\n".join(lines)


def explain_error(field: str | None, reason: str, number: int) -> str:
    return f"answer {number}: rejected — {field or 'line'}: {reason}"
