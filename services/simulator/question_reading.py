"""What a question says by itself, whichever model answers it: the brands it names, its market
(category), and the name it asks about when that is no brand the simulator knows."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from services.simulator.knowledge import Brand, Category, find_brands, find_category

_NAME_BEFORE = re.compile(
    r"^(?:请|帮我)?(?:介绍一下|介绍下|说说|聊聊|评价一下)?\s*([^\s，,。？?！!]{2,14}?)"
    r"(?:的|这个|这家)?(?:品牌|公司|门店)?(?:口碑|怎么样|好不好|靠谱吗|靠不靠谱|值得买吗|如何|评价|可靠吗|好吗)")
_INTRO_NAME = re.compile(r"(?:介绍一下|介绍下|了解一下)\s*([^\s，,。？?！!]{1,14})")
_BRAND_HINTS = ("口碑", "靠谱", "公司", "门店", "介绍", "品牌")
_GENERIC_WORDS = ("品牌", "哪家", "哪个", "推荐", "什么", "哪些", "排名", "牌子")


@dataclass(frozen=True, slots=True)
class Reading:
    """What a question says by itself, whichever model answers it."""

    mentioned: tuple[tuple[Brand, Category], ...]
    category: Category | None
    # The name asked about when no known brand is mentioned ("" when none): maybe an unknown brand.
    unknown: str


@functools.lru_cache(maxsize=4096)
def read_question(question: str) -> Reading:
    # Cached: the same question goes to several models, and to one model in several variants.
    mentioned = tuple(find_brands(question))
    category = find_category(question) or (mentioned[0][1] if mentioned else None)
    unknown = "" if mentioned else _unknown_name(question, category)
    return Reading(mentioned, category, unknown)


def looks_like_brand(name: str, question: str, main_brand: str, category: Category | None) -> bool:
    # "元若曦怎么样" is a brand question but "今天天气怎么样" is not; without knowledge of the name,
    # trust it only when the prompt names it as the brand or the question is about a market.
    if main_brand and (main_brand in name or name in main_brand):
        return True
    return category is not None or any(word in question for word in _BRAND_HINTS)


def _unknown_name(question: str, category: Category | None) -> str:
    stripped = question.strip()
    for pattern in (_INTRO_NAME, _NAME_BEFORE):
        match = pattern.search(stripped)
        if match:
            name = match.group(1)
            if category is not None:
                for keyword in category.keywords:
                    if name.endswith(keyword) and len(name) > len(keyword):
                        name = name[: -len(keyword)]
            if name and not any(word in name for word in _GENERIC_WORDS) and not (
                category and name in category.keywords
            ):
                return name
    return ""
