"""The judging prompt: what a judge model is asked about one stored answer.

One prompt per judged answer, asking for the rank and the tone of each brand whose rule verdict
is unsure, as a JSON list of ``{brand, field, value, quote}``. The answer goes between fixed
markers and the brands as JSON, so neither can be mistaken for instructions (a brand name or an
answer containing quotes or braces stays data). The definitions are the labelling guide's
(docs/analysis.md, "Labelling guide"), so judge and labeller answer the same question.
"""

from __future__ import annotations

import json

from shared.brand import Brand

JUDGE_MARKER = "【brandlens 评审任务】"
ANSWER_START = "<<<回答原文开始>>>"
ANSWER_END = "<<<回答原文结束>>>"
BRANDS_LINE = "待评品牌（JSON）："
QUESTION_LINE = "用户提问（JSON）："

_INSTRUCTIONS = (
    "你是品牌分析的审核员。下面是某个 AI 助手对用户提问的回答原文。请只依据回答原文，对每个待评品牌给出两条判断：\n"
    "- field 为 \"rank\"：value 为整数 N，表示该品牌领起回答所推荐的第 N 个选项（选项标题就是它，"
    "分组、梯队只是把选项分组，跨组按阅读顺序连续计数）；只是顺带提到、出现在别的选项里、维度对比表、"
    "选购建议或总结中，或者回答本身就是在介绍它，value 为 null；\n"
    "- field 为 \"tone\"：value 为 \"positive\"（推荐或称赞，且未提它自己的缺点）、\"neutral\"（客观描述；"
    "优点和缺点并提；列表里顺带提到；作为别的品牌的对比对象）或 \"negative\"（劝用户谨慎，或缺点占主导）；\n"
    "- quote：支撑这条判断的一段回答原文，必须从原文逐字复制（不得改写、缩写、拼接或加标点），"
    "不能为空；与原文不一致的判断会被丢弃。\n"
    "只输出一个 JSON 对象，不要输出任何其他文字，格式：\n"
    '{"verdicts": [{"brand": "<品牌名>", "field": "rank", "value": 1, "quote": "……"}, '
    '{"brand": "<品牌名>", "field": "tone", "value": "neutral", "quote": "……"}]}\n'
    "brand 用待评品牌列表里的 name。"
)


def build_judge_prompt(question: str, answer: str, brands: list[Brand]) -> str:
    """The prompt of one judge job; ``brands`` are the tracked brands whose verdicts are unsure."""
    listed = [{"name": b.name, "aliases": list(b.aliases)} for b in brands]
    return (
        f"{JUDGE_MARKER}\n{_INSTRUCTIONS}\n"
        f"{BRANDS_LINE}{json.dumps(listed, ensure_ascii=False)}\n"
        f"{QUESTION_LINE}{json.dumps(question, ensure_ascii=False)}\n"
        f"{ANSWER_START}\n{answer}\n{ANSWER_END}"
    )
