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
from dataclasses import dataclass
from typing import Literal

from shared.analysis.lexicon import (
    ADVICE_PATTERNS,
    ADVICE_PREFIXES,
    CATEGORY_SUFFIXES,
    DESCRIPTOR_WORDS,
    EXCLUDED_SECTION_WORDS,
    FEATURE_LABEL_PATTERN,
    TABLE_ENTITY_HEADERS,
    TOPIC_WORDS,
)
from shared.analysis.matching import BrandMatcher
from shared.analysis.structure import Node
from shared.analysis.textutil import CJK_CHAR

Kind = Literal["entity", "topic", "other"]

_NUMBER_PREFIX = re.compile(
    r"^\s*(?:第?[一二三四五六七八九十]+\s*[、.．:：]\s*|\d{1,2}\s*[.、．:：)）](?!\d)\s*|[（(]\d{1,2}[)）]\s*"
    r"|top\s*\d+\s*[.:：、]?\s*|no\.\s*\d+\s*)",
    re.IGNORECASE,
)
_SYMBOLS = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b50\u2705\u274c\ufe0f\u200d👉]+")
_BOLD_LEAD = re.compile(r"^\*\*(.+?)\*\*")
_MARKUP = re.compile(r"\*\*|__|`|~~")
_HEADER_CUT = re.compile(r"[:：，,。；;！!？?]|\s[-–—]\s|——|\s{2,}")
_PARENS = re.compile(r"[（(【\[][^）)】\]]*[）)】\]]")
_GROUP_SPLIT = re.compile(r"\s*(?:/|／|、|\||｜|\s&\s|\s和\s|和|及|与|vs\.?|VS\.?)\s*")
_LEAD_WORDS = re.compile(r"^(?:例如|比如|如|推荐|首选|vs\.?|VS\.?|对比)\s*[:：]?\s*")
_TRAIL = re.compile(r"[\s:：、,，.。·\-–—*]+$")
_CJK = re.compile(CJK_CHAR)
_LATIN = re.compile(r"[A-Za-z]")
_DESCRIPTOR_RE = re.compile("|".join(sorted(map(re.escape, DESCRIPTOR_WORDS), key=len, reverse=True)))
_TOPIC_RE = re.compile("|".join(map(re.escape, TOPIC_WORDS)))
_ADVICE_RE = re.compile("|".join(ADVICE_PATTERNS))
_EXCLUDED_RE = re.compile("|".join(map(re.escape, EXCLUDED_SECTION_WORDS)), re.IGNORECASE)
_TABLE_HEADER_RE = re.compile("|".join(map(re.escape, TABLE_ENTITY_HEADERS)), re.IGNORECASE)
_CATEGORY_RE = re.compile(
    r"(?:^(?:其他|其它|更多|部分|一些|各类|传统|新兴|新锐|国产|国际|国外|国内|区域|本地|本土|地方)"
    r".*(?:品牌|公司|门店|机构|企业|服务商)$)"
    r"|(?:[类型性的].*(?:" + "|".join(CATEGORY_SUFFIXES) + r")$)"
    r"|(?:(?:品牌|公司|门店|机构)(?:推荐|参考|梯队|清单|榜单|盘点)$)|(?:梯队|地区|区域|[区市]$)"
)
_FEATURE_LABEL_RE = re.compile(FEATURE_LABEL_PATTERN)
_MAX_NAME_CHARS = 24
_MAX_NAME_CJK = 15


@dataclass(frozen=True, slots=True)
class Option:
    name: str
    # The header text as written (with parentheses), where tracked brands are looked up.
    header: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Header:
    raw: str
    name: str
    bare: bool  # the title is only the header (no description after it)


def split_header(title: str) -> Header:
    """The header part of a list-item or heading title and the entity name inside it."""
    text = _SYMBOLS.sub("", title).strip()
    text = _NUMBER_PREFIX.sub("", text, count=1).strip()
    bold = _BOLD_LEAD.match(text)
    if bold:
        raw = _NUMBER_PREFIX.sub("", bold.group(1).strip(), count=1)
        rest = text[bold.end() :]
        raw = _HEADER_CUT.split(raw, maxsplit=1)[0] if not _PARENS.fullmatch(raw) else raw
    else:
        plain = _MARKUP.sub("", text)
        raw = _HEADER_CUT.split(plain, maxsplit=1)[0]
        rest = plain[len(raw) :]
    raw = _MARKUP.sub("", raw).strip()
    name = _PARENS.sub("", raw).strip() or raw.strip("（）()【】[] ")
    name = _LEAD_WORDS.sub("", name)
    parts = [part for part in _GROUP_SPLIT.split(name) if part]
    if parts and not _GROUP_SPLIT.match(name):
        name = parts[0]
    name = _TRAIL.sub("", name.strip())
    bare = not _MARKUP.sub("", rest).strip(" :：-–—*")
    return Header(raw=raw, name=name, bare=bare)


def _descriptor_covered(name: str) -> bool:
    """True when the name is made of generic description words ("品牌定位与规模", "技术领先")."""
    if _LATIN.search(name):
        return False
    cjk = len(_CJK.findall(name))
    if cjk == 0:
        return True
    covered = sum(len(m.group(0)) for m in _DESCRIPTOR_RE.finditer(name))
    return covered >= 0.75 * cjk


def classify(header: Header, matcher: BrandMatcher) -> Kind:
    name = header.name
    if not name or len(name) > _MAX_NAME_CHARS or len(_CJK.findall(name)) > _MAX_NAME_CJK:
        return "other"
    if name.startswith(ADVICE_PREFIXES) or _ADVICE_RE.search(name):
        return "other"
    mentions = matcher.find(header.raw)
    if mentions:
        residue = name
        for mention in mentions:
            residue = residue.replace(header.raw[mention.start : mention.end], "")
        return "topic" if _TOPIC_RE.search(residue) else "entity"
    if _descriptor_covered(name) or _CATEGORY_RE.search(name):
        return "other"
    return "entity"


def _excluded(title: str) -> bool:
    return _EXCLUDED_RE.search(_MARKUP.sub("", title)) is not None


def _table_options(table: Node, matcher: BrandMatcher) -> list[Option]:
    if len(table.rows) < 2:
        return []
    column = next((i for i, cell in enumerate(table.rows[0]) if _TABLE_HEADER_RE.search(cell)), None)
    if column is None:
        return []
    found: list[Option] = []
    for row in table.rows[1:]:
        if column >= len(row):
            continue
        for piece in re.split(r"[、,，/]| 或 ", _MARKUP.sub("", row[column])):
            header = split_header(piece)
            if classify(header, matcher) == "entity":
                found.append(Option(header.name, header.raw, table.start, table.end))
    return found


def _collect(node: Node, matcher: BrandMatcher) -> list[Option]:
    found: list[Option] = []
    for child in node.children:
        if child.kind == "table":
            found.extend(_table_options(child, matcher))
            continue
        header = split_header(child.title)
        if _FEATURE_LABEL_RE.fullmatch(header.name):
            # "- 代表车型：" over "- 汉/唐", "- 海豹": products of the option above, not options.
            continue
        kind = classify(header, matcher)
        if kind != "entity" and _excluded(child.title):
            continue
        if kind == "other" and not child.children:
            continue
        inner = _collect(child, matcher) if child.children else []
        # An entity-looking header is still a group when it is a bare title over a list of
        # entities ("1. **制造业数字化**" over "- **树根互联**", "- **赛意信息**").
        is_group = len({o.name for o in inner}) >= 2 and (child.kind == "heading" or header.bare)
        if kind == "entity" and not is_group:
            found.append(Option(header.name, header.raw, child.start, child.end))
        elif kind != "entity" or is_group:
            found.extend(inner)
    return found


def recommended_options(outline: Node, matcher: BrandMatcher) -> list[Option]:
    """Options in reading order, each entity once (first occurrence wins)."""
    seen: set[str] = set()
    options: list[Option] = []
    for option in _collect(outline, matcher):
        key = option.name.casefold()
        if key not in seen:
            seen.add(key)
            options.append(option)
    return options
