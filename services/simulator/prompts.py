"""Reading a chat prompt the way the simulator needs it: the question, the main brand, the ask.

Adapters send the user's question as the last user message, sometimes wrapped with lines such as
`品牌：欧派` / `竞争对手：a, b` and followed by an instruction asking for the `geo_analysis` block.
The wrapper must not leak into brand detection, so those lines are stripped from the question.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

GEO_MARKER = "geo_analysis"
# A brandlens judge prompt (judging.py reads it): answered from the simulator's truth, not composed.
JUDGE_MARKER = "【brandlens 评审任务】"
_BRAND_LINE = re.compile(r"(?:用户)?(?:主)?品牌(?:名称)?\s*[：:]\s*([^\s,，、/|]+)")
_WRAPPER_LINE = re.compile(r"^\s*(?:用户)?(?:主)?(?:品牌|竞争对手|竞品|问题)(?:名称)?\s*[：:]")


@dataclass(frozen=True, slots=True)
class Prompt:
    question: str
    main_brand: str
    wants_geo: bool
    # Characters the provider would bill as input (all messages), for usage counts.
    input_chars: int
    input_bytes: int
    # The whole last user message when it is a judge prompt, else "".
    judge_text: str = ""


def parse_prompt(system_texts: list[str], user_texts: list[str], other_texts: list[str]) -> Prompt:
    """`user_texts` in order; the last one holds the question."""
    return _parse_prompt(tuple(system_texts), tuple(user_texts), tuple(other_texts))


# Cached: the same messages arrive once per model and per sample of a question.
@functools.lru_cache(maxsize=2048)
def _parse_prompt(system_texts: tuple[str, ...], user_texts: tuple[str, ...],
                  other_texts: tuple[str, ...]) -> Prompt:
    everything = [*system_texts, *user_texts, *other_texts]
    wants_geo = any(GEO_MARKER in text for text in everything)
    main_brand = ""
    for text in everything:
        match = _BRAND_LINE.search(text) if _may_have_brand_line(text) else None
        if match:
            main_brand = match.group(1).strip("「」“”\"'")
            break
    last_user = user_texts[-1] if user_texts else ""
    return Prompt(
        question=_question_of(last_user),
        main_brand=main_brand,
        wants_geo=wants_geo,
        input_chars=sum(len(text) for text in everything),
        input_bytes=sum(len(text.encode()) for text in everything),
        judge_text=last_user if JUDGE_MARKER in last_user else "",
    )


def _may_have_brand_line(text: str) -> bool:
    # Substring tests are far cheaper than the search, and a brand line has "品牌" and a colon.
    return "品牌" in text and ("：" in text or ":" in text)


def _question_of(message: str) -> str:
    kept: list[str] = []
    for line in message.splitlines():
        if GEO_MARKER in line:
            # The self-report instruction runs to the end of the message once it starts.
            if kept:
                break
            continue
        if _WRAPPER_LINE.match(line):
            question_match = re.match(r"^\s*问题\s*[：:]\s*(.+)$", line)
            if question_match:
                kept.append(question_match.group(1))
            continue
        kept.append(line)
    question = "\n".join(kept).strip()
    return question or message.strip()


def estimate_tokens(byte_count: int) -> int:
    """Rough tokenizer: ~0.75 token per CJK character (3 UTF-8 bytes), ~0.25 per ASCII char."""
    return byte_count // 4 + 1
