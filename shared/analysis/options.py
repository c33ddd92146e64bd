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
from shared.analysis.structure import LEVEL_BOLD, Node
from shared.analysis.textutil import CJK_CHAR, trie_pattern

Kind = Literal["entity", "topic", "category", "other"]

_NUMBER_PREFIX_PATTERN = (
    r"\s*(?:第?[一二三四五六七八九十]+\s*[、.．:：]\s*|\d{1,2}\s*[.、．:：)）](?!\d)\s*|[（(]\d{1,2}[)）]\s*"
    r"|top\s*\d+\s*[.:：、|｜]?\s*|no\.\s*\d+\s*[.:：、|｜]?\s*"
    # Ordinal places ("第一名：", "第2位 ") and numbered picks ("推荐一：", "推荐2.").
    r"|第[一二三四五六七八九十\d]{1,2}[名位]\s*[、.．:：|｜]?\s*|推荐[一二三四五六七八九十\d]{1,2}\s*[、.．:：|｜]\s*)"
)
_NUMBER_PREFIX = re.compile("^" + _NUMBER_PREFIX_PATTERN, re.IGNORECASE)
# Patterns below that could start with a repeat or an alternation of classes start with one
# character class instead ("[x][x]*" for "[x]+"): re skips ahead to the next character in a
# leading set, but tries a full match at every position otherwise.
_SYMBOL = "[\U0001f000-\U0001faff\u2600-\u27bf\u2b50\u2705\u274c\ufe0f\u200d]"
# Keycap digits ("1️⃣") number headings like "1." does: they go with the emoji.
_SYMBOLS = re.compile(f"(?:[0-9#*]\ufe0f?\u20e3|{_SYMBOL})+")
_BOLD_LEAD = re.compile(r"^\*\*(.+?)\*\*")
_MARKUP = re.compile(r"\*\*|__|`|~~")
_OPEN = "（(【["
_CLOSE = "）)】]"
_COLON_CUTS = ":：？?！!"
_SENTENCE_CUTS = "，,。；;"
# What _cut() looks at outside parentheses (a closing one there changes nothing) and inside them.
_CUT_OR_OPEN = re.compile("[" + re.escape(_OPEN + _COLON_CUTS + _SENTENCE_CUTS) + "]")
_OPEN_OR_CLOSE = re.compile("[" + re.escape(_OPEN + _CLOSE) + "]")
# Where r"\s[-–—]\s|——|\s{2,}" first matches (only the start is used).
_DASH_CUT = re.compile(r"[\s—](?:(?<=\s)(?:[-–—]\s|\s)|(?<=—)—)")
_PARENS = re.compile(r"[（(【\[][^）)】\]]*[）)】\]]|[（(【\[][^）)】\]]*$")
_GROUP_SPLIT = re.compile(r"\s*(?:/|／|、|\||｜|\s&\s|\s和\s|和|及|与|vs\.?|VS\.?)\s*")
_LEAD_WORDS_PATTERN = r"(?:例如|比如|如(?![何果今])|vs\.?\s|VS\.?\s)\s*[:：]?\s*"
# A number prefix, then lead words, in one match. Every number prefix ends in "\s*", so what
# follows it starts without blanks, as after stripping; only the number prefix ignores case.
_PREFIXES = re.compile(f"(?i:{_NUMBER_PREFIX_PATTERN})?(?:{_LEAD_WORDS_PATTERN})?")
_TRAIL = re.compile(r"[\s:：、,，.。·\-–—*]+$")
_CJK = re.compile(CJK_CHAR)
_LATIN = re.compile(r"[A-Za-z]")
_DESCRIPTOR_RE = re.compile(trie_pattern(DESCRIPTOR_WORDS))
_TOPIC_RE = re.compile("|".join(map(re.escape, TOPIC_WORDS)))


def _any_word_pattern(words: tuple[str, ...]) -> str:
    """A pattern finding any of the words, ignoring case.

    Caseless (CJK) words form a plain trie, which re runs far faster than an IGNORECASE
    alternation; only the few words with letters ("FAQ") are matched under a scoped IGNORECASE.
    """
    caseless = [word for word in words if word.lower() == word == word.upper()]
    cased = [word for word in words if word not in caseless]
    parts = [trie_pattern(caseless)] if caseless else []
    if cased:
        parts.append("(?i:" + "|".join(map(re.escape, cased)) + ")")
    return "|".join(parts) or "(?!)"


_EXCLUDED = re.compile(_any_word_pattern(EXCLUDED_SECTION_WORDS))
_TABLE_HEADER = re.compile(_any_word_pattern(TABLE_ENTITY_HEADERS))
# Advice wording or an excluded section word: one search for classify()'s "not an option" test.
_ADVICE_OR_EXCLUDED = re.compile("|".join([*ADVICE_PATTERNS, _EXCLUDED.pattern]))
_FEATURE_LABEL_RE = re.compile(FEATURE_LABEL_PATTERN)
# A kind of option rather than one ("二线高性价比品牌", "其他品牌"): a group when it holds
# options, an option slot of its own when it is a list item shaped like its siblings.
_CATEGORY_RE = re.compile(
    r"(?:^(?:其他|其它|更多|部分|一些|各类|传统|新兴|新锐|国产|国际|国外|国内|区域|本地|本土|地方|互联网|线上|线下)"
    r".*(?:品牌|公司|门店|机构|企业|服务商|平台)$)"
    r"|(?:[类型性的].*(?:" + "|".join(CATEGORY_SUFFIXES) + r")$)"
    r"|(?:品牌(?:推荐|参考|梯队|清单|榜单|盘点)?$)|(?:(?:公司|门店|机构)(?:推荐|参考|梯队|清单|榜单|盘点)$)"
)
# Tiers and places group options but are never options themselves.
_GROUPING_RE = re.compile(
    r"梯队|地区|区域|(?:^.{1,3}(?<!城)[区市]$)|(?:^(?:类型|类别|第.类|类)[一二三四五六七八九十\d]*$)"
)
# A section title naming the strengths or weaknesses of something ("主要口碑优势", "常见的争议与不足").
_ASPECT_TITLE = re.compile(r"(?:优势|劣势|不足|缺点|优点|短板|争议|亮点|优缺点)$")
_ABOUT = ("关于", "对于")
# "关于您提到的品牌分析": one section per brand the user named, i.e. the answer's entries, although
# titled like remarks; "您提到的其他品牌" are the ones set aside from the recommendation.
_NAMED_BRANDS_SECTION = re.compile(r"^(?:关于|对于)?您(?:提到|提及|列出|关注|所说)的(?!其他|其它).{0,4}品牌")
# A section on one brand's strengths ("华为折叠手机优势", "欧派的亮点").
_STRENGTHS = re.compile(r"(?:优势|亮点|长处)$")
_MAX_NAME_CHARS = 24
_MAX_NAME_CJK = 15
_SHORT_PLAIN = 16
# Function words that make an unpunctuated plain bullet a sentence ("欧派在五金配件上略胜一筹").
_SENTENCE_WORDS = re.compile("[在是均都了把被让将对从]|可以|能够|一般|通常")


# Plain slotted dataclasses: frozen ones build several times slower, and a few dozen are built
# per answer.
@dataclass(slots=True)
class Option:
    name: str
    # The header text as written (with parentheses), where tracked brands are looked up.
    header: str
    start: int
    end: int
    # Bold-led or naming a tracked brand: strong evidence of an option header.
    strong: bool
    # The tracked brands the header names, in order of first appearance.
    brands: list[str]
    # Read from a table row (start/end are the whole table's).
    table: bool = False


@dataclass(slots=True)
class Header:
    raw: str
    name: str
    bare: bool  # the title is only the header (no description after it)
    strong: bool  # written in bold
    sentence: bool  # a plain sentence rather than a "name：description" header


def _cut(text: str) -> tuple[str, str | None]:
    """The text before the first header separator outside parentheses, and the separator kind."""
    # Jumps between the characters that matter instead of walking every character.
    position = 0
    while found := _CUT_OR_OPEN.search(text, position):
        char, index = found.group(), found.start()
        if char in _COLON_CUTS:
            return text[:index], "colon"
        if char in _SENTENCE_CUTS:
            return text[:index], "sentence"
        depth = 1
        position = index + 1
        while depth and (bracket := _OPEN_OR_CLOSE.search(text, position)):
            depth += 1 if bracket.group() in _OPEN else -1
            position = bracket.end()
        if depth:
            break
    dash = _DASH_CUT.search(text)
    if dash:
        return text[: dash.start()], "colon"
    return text, None


# A rest of the title that holds nothing once markers are removed and separators stripped: only
# separators, "*" and "`" (single or paired), and "__" / "~~" pairs (a single "_" or "~" stays).
_BARE_REST = re.compile(r"(?:[ :：\-–—*`]|__|~~)*")


def split_header(title: str, *, heading: bool = False) -> Header:
    """The header part of a list-item or heading title and the entity name inside it.

    A plain list item without a "name：" separator is a sentence unless it is short; a heading
    is a sentence only when clause punctuation cuts it ("作为顾问，为您推荐以下机型：").
    """
    text = _SYMBOLS.sub("", title).strip()
    prefixes = _PREFIXES.match(text)  # all optional: always matches
    if prefixes:
        text = text[prefixes.end() :]
    bold = _BOLD_LEAD.match(text) if text.startswith("**") else None
    if bold:
        inner = _NUMBER_PREFIX.sub("", bold.group(1).strip(), count=1)
        raw, _ = _cut(inner)
        rest = text[bold.end() :]
        sentence = False
    else:
        plain = _unmarked(text)
        raw, how = _cut(plain)
        rest = plain[len(raw) :]
        sentence = how == "sentence"
        if not heading and how is None:
            core = _without_parens(raw)
            sentence = len(core) > _SHORT_PLAIN or _SENTENCE_WORDS.search(core) is not None
    raw = _unmarked(raw).strip()
    name = _without_parens(raw).strip() or raw.strip("（）()【】[] ")
    parts = [part for part in _GROUP_SPLIT.split(name) if part]
    if parts and not _GROUP_SPLIT.match(name):
        name = parts[0]
    name = _TRAIL.sub("", name.strip())
    bare = _BARE_REST.fullmatch(rest) is not None
    return Header(raw, name, bare, bold is not None, sentence)


def _unmarked(text: str) -> str:
    """``text`` without emphasis and code markers; plain substring tests skip most scans."""
    if "*" in text or "_" in text or "`" in text or "~" in text:
        return _MARKUP.sub("", text)
    return text


def _without_parens(text: str) -> str:
    """``text`` without parenthesised parts (an unclosed one runs to the end)."""
    if "（" in text or "(" in text or "【" in text or "[" in text:
        return _PARENS.sub("", text)
    return text


def _descriptor_covered(name: str) -> bool:
    """True when the name is made of generic description words ("品牌定位与规模", "技术领先")."""
    if _LATIN.search(name):
        return False
    cjk = len(_CJK.findall(name))
    if cjk == 0:
        return True
    covered = len("".join(_DESCRIPTOR_RE.findall(name)))
    return covered >= 0.75 * cjk


def classify(header: Header, matcher: BrandMatcher, *, heading: bool = False) -> tuple[Kind, list[str]]:
    """(kind, the tracked brands the header names in order of first appearance)."""
    name = header.name
    if (
        not name
        or header.sentence
        or len(name) > _MAX_NAME_CHARS
        # Only a name longer than the CJK limit can hold too many CJK characters.
        or (len(name) > _MAX_NAME_CJK and len(_CJK.findall(name)) > _MAX_NAME_CJK)
    ):
        return "other", []
    spellings = matcher.spellings_in(header.raw)
    if spellings:
        brands = matcher.brands_of(spellings)
        if heading and len(brands) >= 2:
            # "### 欧派 vs 志邦：品牌对比分析" introduces a comparison; the options are inside.
            return "topic", brands
        residue = name
        for spelling in spellings:
            residue = residue.replace(spelling, "")
        # "关于X" ("about X") introduces remarks on X, as "X的优势" does, not an entry.
        about = name.startswith(_ABOUT)
        return ("topic" if about or _TOPIC_RE.search(residue) else "entity"), brands
    if name.startswith(ADVICE_PREFIXES) or _ADVICE_OR_EXCLUDED.search(name):
        return "other", []
    # The raw header without parentheses is usually the name itself: then one search serves both.
    bare_raw = _without_parens(header.raw)
    if (
        _descriptor_covered(name)
        or _GROUPING_RE.search(name)
        or (bare_raw != name and _GROUPING_RE.search(bare_raw))
    ):
        return "other", []
    if _CATEGORY_RE.search(name) or (bare_raw != name and _CATEGORY_RE.search(bare_raw)):
        return "category", []
    return "entity", []


def _excluded(header: Header) -> bool:
    # An intro sentence ending in a colon ("作为选购顾问，为您推荐以下机型：") introduces options;
    # only a titled section ("选购建议：", "如何选择？") is advice.
    return not header.sentence and _EXCLUDED.search(_without_parens(header.raw)) is not None


def _lists_brand_entries(node: Node, matcher: BrandMatcher) -> bool:
    """True when at least two children are headed by a tracked brand's name alone ("1. **华为**").

    A section titled like advice ("2200元手机选购分析") whose entries are bare brand names is the
    list of options; advice sections hold sentences ("追求性价比：选小米") or described names.
    """
    entries = 0
    for child in node.children:
        if child.kind in ("item", "heading"):
            header = split_header(child.title, heading=child.kind == "heading")
            if header.bare and classify(header, matcher)[1]:
                entries += 1
                if entries >= 2:
                    return True
    return False


# A cell holding only a position ("1", "No.2", "🥇", "第三"): a rank column, not the entries.
_POSITION_CELL = re.compile(r"(?i:no\.?|top|第)?\s*[\d一二三四五六七八九十]{0,2}\s*[名位]?")


def _entry_column(rows: list[list[str]], matcher: BrandMatcher) -> int | None:
    """The column naming a table's entries when no header cell says so ("| 推荐 | 优势 |"):
    the first column that is not a rank column, provided at least two rows name a tracked
    brand there. A table with brands across its header row compares them by dimension (its
    rows are criteria): no entries."""
    if sum(bool(matcher.spellings_in(cell)) for cell in rows[0]) >= 2:
        return None
    body = rows[1:]
    width = max(len(row) for row in body)
    for column in range(width):
        cells = [_SYMBOLS.sub("", _MARKUP.sub("", row[column])).strip() for row in body if column < len(row)]
        if all(_POSITION_CELL.fullmatch(cell) for cell in cells):
            continue
        named = sum(bool(matcher.spellings_in(cell)) for cell in cells)
        return column if named >= 2 else None
    return None


def _table_options(table: Node, matcher: BrandMatcher) -> list[Option]:
    if len(table.rows) < 2:
        return []
    column = next((i for i, cell in enumerate(table.rows[0]) if _TABLE_HEADER.search(cell)), None)
    if column is None:
        column = _entry_column(table.rows, matcher)
    if column is None:
        return []
    found: list[Option] = []
    for row in table.rows[1:]:
        if column >= len(row):
            continue
        for piece in re.split(r"[、,，/]| 或 ", _MARKUP.sub("", row[column])):
            header = split_header(piece)
            kind, brands = classify(header, matcher)
            if kind in ("entity", "category"):
                option = Option(
                    header.name, header.raw, table.start, table.end, strong=bool(brands), brands=brands, table=True
                )
                found.append(option)
    return found


# "名称：如a、b" / "**名称**：例如a、b": a header followed by examples of it.
_EXAMPLE_LED = re.compile(
    r"^(?:\*\*[^*\n]{1,20}\*\*\s*[：:]|[^：:*\n]{1,20}[：:](?:\*\*)?)"
    r"\s*(?:\*\*)?(?:如|例如|比如|包括)(?![何果今])"
)


def _lists_kinds(node: Node) -> bool:
    """True when at least two list items sit under ``node`` and every one is example-led."""
    items = [child.title for child in node.children if child.kind == "item"]
    return len(items) >= 2 and all(_EXAMPLE_LED.match(title) for title in items)


def _collect(node: Node, matcher: BrandMatcher, restricted: bool, compared: bool = False) -> list[Option]:
    """Options under ``node``; ``restricted`` = only tracked brands count (inside a topic or a
    dimension bullet such as "1. 品牌定位与规模", where other bold labels are features)."""
    found: list[Option] = []
    kinds_list = _lists_kinds(node)
    for child in node.children:
        if kinds_list and child.kind == "item":
            # "1. **性能升级**：如动力优化、刹车调校" … every item a kind with examples: a list of
            # categories, not entries; brands among the examples are named inside its text.
            continue
        if child.kind == "table":
            if not restricted:
                found.extend(_table_options(child, matcher))
            continue
        is_heading = child.kind == "heading"
        header = split_header(child.title, heading=is_heading)
        if _FEATURE_LABEL_RE.fullmatch(header.name):
            # "- 代表车型：" over "- 汉/唐", "- 海豹": products of the option above, not options.
            continue
        kind, brands = classify(header, matcher, heading=is_heading)
        if compared and kind == "topic" and is_heading and len(brands) == 1 and _STRENGTHS.search(header.name):
            kind = "entity"
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
            if inner:
                found.extend(inner)
            elif listed or (not child.children and child.level < LEVEL_BOLD):
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
    """Options in reading order, each entity once (first occurrence wins).

    ``intro`` is the text before the first block: when it names two tracked brands or more the
    answer compares them, and a section on one brand's strengths ("**华为折叠手机优势：**") is that
    brand's entry (rulings: "X的优势" ranks X when the question is not about X alone).
    """
    compared = len(set(matcher.brands_in(intro))) >= 2 if intro else False
    seen: set[str] = set()
    options: list[Option] = []
    for option in _collect(outline, matcher, restricted=False, compared=compared):
        key = option.name.casefold()
        if key not in seen:
            seen.add(key)
            options.append(option)
    return options
