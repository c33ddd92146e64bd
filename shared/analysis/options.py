"""Which options an answer recommends, in reading order, and the entity name of each.

Walks the outline (structure.py). A list item or heading is an *option* when its header reads
as an entity name ("**麦肯锡（McKinsey & Company）**" → "麦肯锡"); it is a *group* when its
children hold options ("一、国际品牌", "1. 制造业数字化"); it is a *feature* ("- 优势：…",
"- 适合人群：…") or *advice* ("1. 优先看本地口碑", "### 选择建议") and then neither it nor
its subtree counts. Headers that name a tracked brand but describe it ("华为折叠屏的优势")
are topic titles: the answer is about that brand rather than ranking it.
"""

from __future__ import annotations

import re

from shared.analysis.headers import (
    BOLD_LEAD,
    EXCLUDED_RE,
    PREFIXES,
    SYMBOLS,
    Header,
    Option,
    classify,
    names_brand_alone,
    split_header,
    without_parens,
)
from shared.analysis.lexicon import FEATURE_LABEL_PATTERN
from shared.analysis.matching import BrandMatcher
from shared.analysis.structure import LEVEL_BOLD, Node
from shared.analysis.tables import table_options

__all__ = ["Option", "recommended_options"]

_FEATURE_LABEL_RE = re.compile(FEATURE_LABEL_PATTERN)
# A section title naming the strengths or weaknesses of something ("主要口碑优势", "常见的争议与不足").
_ASPECT_TITLE = re.compile(r"(?:优势|劣势|不足|缺点|优点|短板|争议|亮点|优缺点)$")
# "关于您提到的品牌分析": one section per brand the user named, i.e. the answer's entries, although
# titled like remarks; "您提到的其他品牌" are the ones set aside from the recommendation.
_NAMED_BRANDS_SECTION = re.compile(r"^(?:关于|对于)?您(?:提到|提及|列出|关注|所说)的(?!其他|其它).{0,4}品牌")
# A section on one brand's strengths ("华为折叠手机优势", "欧派的亮点").
_STRENGTHS = re.compile(r"(?:优势|亮点|长处)$")

# Where one buys or looks things up ("购买渠道", "可以在以下平台购买：", "查询途径"): the labelling
# guide's channels, never recommendation options.
_CHANNELS = re.compile(r"渠道|购买|购物|途径|哪里买|下单|入手")


def _excluded(header: Header) -> bool:
    # An intro sentence ending in a colon ("作为选购顾问，为您推荐以下机型：") introduces options;
    # only a titled section ("选购建议：", "如何选择？") is advice.
    return not header.sentence and EXCLUDED_RE.search(without_parens(header.raw)) is not None


def _channel_section(header: Header, brands: list[str]) -> bool:
    """A section on where to buy or look ("**购买渠道：**", "可以在以下平台购买："), whatever it lists."""
    return not brands and not header.sentence and _CHANNELS.search(without_parens(header.raw)) is not None


def _lists_brand_entries(node: Node, matcher: BrandMatcher) -> bool:
    """True when at least two children are headed by a tracked brand's name alone ("1. **华为**").

    A section titled like advice ("2200元手机选购分析") whose entries are bare brand names is the
    list of options; advice sections hold sentences ("追求性价比：选小米") or described names.
    """
    entries = 0
    for child in node.children:
        if child.kind in ("item", "heading"):
            header = split_header(child.title, heading=child.kind == "heading")
            if header.bare and classify(header, matcher)[1] and names_brand_alone(header.name, matcher):
                entries += 1
                if entries >= 2:
                    return True
    return False


# "名称：如a、b" / "**名称**：例如a、b": a header followed by examples of it.
_EXAMPLE_LED = re.compile(
    r"^(?:\*\*[^*\n]{1,20}\*\*\s*[：:]|[^：:*\n]{1,20}[：:](?:\*\*)?)"
    r"\s*(?:\*\*)?(?:如|例如|比如|包括)(?![何果今])"
)


def _lists_kinds(node: Node) -> bool:
    """True when at least two list items sit under ``node`` and every one is example-led."""
    items = [child.title for child in node.children if child.kind == "item"]
    return len(items) >= 2 and all(_EXAMPLE_LED.match(title) for title in items)


# "1. ", "Top 2：", "No.3": an entry's number. "一、" numbers sections as often as entries.
_ARABIC_NUMBERED = re.compile(r"(?i:\d{1,2}\s*[.、．:：)）](?!\d)|top\s*\d|no\.\s*\d|\*\*\d{1,2}\s*[.、．](?!\d))")


def _label_then_brand(title: str, header: Header, matcher: BrandMatcher) -> Header:
    """"**高端之选：欧派**": a label, then the entry's name inside the bold lead. Returns the header
    of the name after the label when that is a tracked brand's name alone, else ``header``."""
    if ("：" not in title and ":" not in title) or matcher.spellings_in(header.raw):
        return header
    text = SYMBOLS.sub("", title).strip()
    prefixes = PREFIXES.match(text)
    if prefixes:
        text = text[prefixes.end() :]
    bold = BOLD_LEAD.match(text)
    if bold is None:
        return header
    inner = bold.group(1)
    _, colon, tail = inner.partition("：") if "：" in inner else inner.partition(":")
    tail = tail.strip()
    if not colon or not matcher.spellings_in(tail) or not names_brand_alone(without_parens(tail), matcher):
        return header
    return split_header("**" + tail + "**" + text[bold.end() :])


def _per_brand_topics(node: Node, matcher: BrandMatcher) -> set[str]:
    """The brands of sibling headings each about one tracked brand ("### 欧派的优势",
    "### 志邦的优势"), when two or more brands have one: the answer compares them."""
    brands: set[str] = set()
    for child in node.children:
        if child.kind == "heading":
            kind, named = classify(split_header(child.title, heading=True), matcher, heading=True)
            if kind == "topic" and len(named) == 1:
                brands.add(named[0])
    return brands if len(brands) >= 2 else set()


def _numbered(title: str) -> bool:
    """True when a title starts with an entry number ("1. ", "Top 2：", "1️⃣")."""
    text = title.lstrip()
    return _ARABIC_NUMBERED.match(text) is not None or SYMBOLS.match(text) is not None


def _collect(node: Node, matcher: BrandMatcher, restricted: bool, compared: bool = False) -> list[Option]:
    """Options under ``node``; ``restricted`` = only tracked brands count (inside a topic or a
    dimension bullet such as "1. 品牌定位与规模", where other bold labels are features)."""
    found: list[Option] = []
    kinds_list = _lists_kinds(node)
    brand_headings = any(child.kind == "heading" and matcher.spellings_in(child.title) for child in node.children)
    per_brand_topics = _per_brand_topics(node, matcher) if brand_headings else set()
    for child in node.children:
        if kinds_list and child.kind == "item":
            # "1. **性能升级**：如动力优化、刹车调校" … every item a kind with examples: a list of
            # categories, not entries; brands among the examples are named inside its text.
            continue
        if child.kind == "table":
            if not restricted:
                found.extend(table_options(child, matcher))
            continue
        is_heading = child.kind == "heading"
        header = split_header(child.title, heading=is_heading)
        if header.strong and not header.sentence:
            header = _label_then_brand(child.title, header, matcher)
        if _FEATURE_LABEL_RE.fullmatch(header.name):
            # "- 代表车型：" over "- 汉/唐", "- 海豹": products of the option above, not options. A
            # heading so titled ("### 1. 价格") is a comparison dimension: its brand bullets count.
            if child.children and not _excluded(header) and not _channel_section(header, []):
                inner = _collect(child, matcher, True)
                # An item so titled counts only when two or more bullets under it are brand names
                # alone ("1. **价格**" over "- 欧派：高", "- 志邦：低"), not comparisons in a bullet.
                alone = [o for o in inner if names_brand_alone(o.name, matcher)]
                if is_heading or len(alone) >= 2:
                    found.extend(inner if is_heading else alone)
            continue
        kind, brands = classify(header, matcher, heading=is_heading)
        if kind == "topic" and is_heading and len(brands) == 1 and brands[0] in per_brand_topics:
            # "### 欧派的优势" … "### 志邦的优势": per-brand sections of a comparison are its entries.
            kind = "entity"
        if compared and kind == "topic" and is_heading and len(brands) == 1 and _STRENGTHS.search(header.name):
            kind = "entity"
        if child.children and _channel_section(header, brands):
            continue
        if (
            kind != "entity"
            and _excluded(header)
            and not _NAMED_BRANDS_SECTION.search(header.name)
            and not _lists_brand_entries(child, matcher)
        ):
            continue
        if kind == "entity" and brands:
            found.append(Option(header.name, header.raw, child.start, child.end, strong=True, brands=brands))
            continue
        if kind == "entity" and not restricted and child.kind == "item" and not header.bare:
            # Only a bare name can head a group of options (see the end of the loop): an item
            # with a description after its name is the option, whatever its children hold.
            found.append(Option(header.name, header.raw, child.start, child.end, strong=header.strong, brands=brands))
            continue
        # A pros/cons section of the answer's subject ("**主要口碑优势：**", "### 常见争议与不足")
        # lists aspects, not options (labelling guide): only tracked brands count under it.
        inner_restricted = (
            restricted
            or kind == "topic"
            or (kind == "other" and (child.kind == "item" or _ASPECT_TITLE.search(header.name) is not None))
        )
        inner = _collect(child, matcher, inner_restricted) if child.children else []
        if kind == "category" and not inner and child.kind == "item" and not restricted:
            found.append(Option(header.name, header.raw, child.start, child.end, strong=header.strong, brands=brands))
            continue
        if kind != "entity" or restricted:
            found.extend(inner)
            continue
        option = Option(header.name, header.raw, child.start, child.end, strong=header.strong, brands=brands)
        if is_heading:
            # A heading over a list of kinds ("服务包括：" over "1. **柜体**：如衣柜") is no option either.
            listed = any(c.kind == "item" for c in child.children) and not _lists_kinds(child)
            # A numbered heading ("### 1. **阿里云**") is an entry of its own: one unknown label
            # bullet under it ("- **适用对象**：…") does not make it a group.
            entry = (
                len(inner) == 1
                and not inner[0].brands
                and _numbered(child.title)
                and not any(c.kind == "heading" for c in child.children)
            )
            if inner and not entry:
                found.extend(inner)
            elif entry or listed or (not child.children and child.level < LEVEL_BOLD and brand_headings):
                # A heading with prose only ("### 1. 金牌厨柜\n介绍…") is an entry among sibling
                # headings naming tracked brands; alone it is a section title ("### 核心观点").
                found.append(option)
            continue
        strong_inner = {o.name for o in inner if o.strong}
        if len(strong_inner) >= 2 and header.bare:
            # "1. **制造业数字化**" over "- **树根互联**", "- **赛意信息**": a group.
            found.extend(inner)
        else:
            found.append(option)
    return found


def recommended_options(outline: Node, matcher: BrandMatcher, intro: str = "") -> list[Option]:
    """Options in reading order, each entity once (first occurrence wins): by name, and by the
    tracked brand heading it ("1. **欧派家居**" … "### 欧派" is one option, the rulings' dedupe).

    ``intro`` is the text before the first block: when it names two tracked brands or more the
    answer compares them, and a section on one brand's strengths ("**华为折叠手机优势：**") is that
    brand's entry (rulings: "X的优势" ranks X when the question is not about X alone).
    """
    compared = len(set(matcher.brands_in(intro))) >= 2 if intro else False
    seen: set[str] = set()
    headed: set[str] = set()
    options: list[Option] = []
    for option in _collect(outline, matcher, restricted=False, compared=compared):
        key = option.name.casefold()
        head = option.brands[0] if option.brands else None
        if key not in seen and (head is None or head not in headed):
            seen.add(key)
            if head is not None:
                headed.add(head)
            options.append(option)
    return options
