"""The judging prompt: what a judge model is asked about one stored answer.

The answer goes between fixed markers and the brands as JSON, so neither can be mistaken for
instructions (a brand name or an answer containing quotes or braces stays data), and the
simulator can read both back (``read_judge_prompt``) to answer from its own ground truth.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import msgspec

from shared.brand import Brand

JUDGE_MARKER = "【brandlens 评审任务】"
ANSWER_START = "<<<回答原文开始>>>"
ANSWER_END = "<<<回答原文结束>>>"
_BRANDS_LINE = "待评品牌（JSON）："
_QUESTION_LINE = "用户提问（JSON）："

_INSTRUCTIONS = (
    "你是品牌分析的审核员。下面是某个 AI 助手对用户提问的回答原文。请只依据回答原文，对每个待评品牌判断：\n"
    "- mentioned：回答是否提到该品牌（含其别名），true 或 false；\n"
    "- rank：若该品牌领起回答推荐的第 N 个选项（选项标题就是它），填整数 N；只是顺带提到、出现在别的选项里、"
    "表格或选购建议中，填 null；\n"
    "- tone：回答对该品牌的语气，\"positive\"、\"neutral\" 或 \"negative\"；只有客观描述或褒贬兼有为 "
    "\"neutral\"；未提到填 null；\n"
    "- quote：支撑你判断的一段回答原文，必须从原文逐字复制（不得改写、缩写或拼接）；未提到填 \"\"。\n"
    "只输出一个 JSON 对象，不要输出任何其他文字，格式：\n"
    '{"brands": {"<品牌名>": {"mentioned": true, "rank": 1, "tone": "positive", "quote": "……"}}}\n'
    "品牌名用待评品牌列表里的 name。"
)


class _BrandEntry(msgspec.Struct):
    name: str
    aliases: list[str] = []


@dataclass(frozen=True, slots=True)
class JudgePrompt:
    """What a judging prompt asks about: the brands (name, aliases) and the answer text."""

    brands: tuple[tuple[str, tuple[str, ...]], ...]
    question: str
    answer: str


def build_judge_prompt(question: str, answer: str, brands: list[Brand]) -> str:
    listed = [{"name": b.name, "aliases": list(b.aliases)} for b in brands]
    return (
        f"{JUDGE_MARKER}\n{_INSTRUCTIONS}\n"
        f"{_BRANDS_LINE}{json.dumps(listed, ensure_ascii=False)}\n"
        f"{_QUESTION_LINE}{json.dumps(question, ensure_ascii=False)}\n"
        f"{ANSWER_START}\n{answer}\n{ANSWER_END}"
    )


def read_judge_prompt(text: str) -> JudgePrompt | None:
    """The brands and answer of a judging prompt built above; None for any other text."""
    if JUDGE_MARKER not in text:
        return None
    start = text.find(ANSWER_START)
    end = text.rfind(ANSWER_END)
    if start < 0 or end < start:
        return None
    # build_judge_prompt puts exactly one newline after the start marker and before the end one.
    answer = text[start + len(ANSWER_START) + 1:end - 1] if end - start > len(ANSWER_START) + 1 else ""
    head = text[:start]
    try:
        brands_json = head.split(_BRANDS_LINE, 1)[1].split("\n", 1)[0]
        question_json = head.split(_QUESTION_LINE, 1)[1].split("\n", 1)[0]
        entries = msgspec.json.decode(brands_json, type=list[_BrandEntry])
        question = msgspec.json.decode(question_json, type=str)
    except (IndexError, msgspec.DecodeError):
        return None
    return JudgePrompt(brands=tuple((e.name, tuple(e.aliases)) for e in entries), question=question, answer=answer)
