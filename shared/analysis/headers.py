"""Option headers: the entity name inside a list-item or heading title, and what kind of header it is.

"**麦肯锡（McKinsey & Company）**" → "麦肯锡"; ordinal prefixes ("1.", "Top 2", "第一名：") and emoji are
numbers, not names. classify() tells an entity ("1. **欧派家居**") from a topic title about a tracked
brand ("华为折叠屏的优势"), a kind of option ("其他品牌") and anything else (advice, descriptors, tiers).
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
    TOPIC_WORDS,
)
from shared.analysis.matching import BrandMatcher
from shared.analysis.textutil import CJK_CHAR, trie_pattern

Kind = Literal["entity", "topic", "category", "other"]

_NUMBER_PREFIX_PATTERN = (
    r"\s*(?:第?[一二三四五六七八九十]+\s*[、.．:：]\s*|\d{1,2}\s*[.、．:：)）](?!\d)\s*|[（(](?:\d{1,2}|[一二三四五六七八九十]{1,2})[)）]\s*"
    r"|[\u2460-\u2473]\s*|top\s*\d+\s*[.:：、|｜]?\s*|no\.\s*\d+\s*[.:：、|｜]?\s*"
    # Ordinal places ("第一名：", "第2位 ") and numbered picks ("推荐一：", "品牌2.", "方案三：").
    r"|第[一二三四五六七八九十\d]{1,2}[名位]\s*[、.．:：|｜]?\s*"
    # Section numbers ("第一部分：", "第二步：") number what follows, whatever it is.
    r"|第[一二三四五六七八九十\d]{1,2}(?:部分|章|节|步|阶段)\s*[、.．:：|｜]\s*"
    # Picks in order ("首选：荣耀", "次选：小米"): the entry follows the label.
    r"|(?:首选|次选|备选|优选|其次)\s*[:：]\s*|(?:推荐|品牌|选择|方案|选项)[一二三四五六七八九十\d]{1,2}\s*[、.．:：|｜]\s*)"
)
NUMBER_PREFIX = re.compile("^" + _NUMBER_PREFIX_PATTERN, re.IGNORECASE)
# Patterns below that could start with a repeat or an alternation of classes start with one
# character class instead ("[x][x]*" for "[x]+"): re skips ahead to the next character in a
# leading set, but tries a full match at every position otherwise.
_SYMBOL = "[\U0001f000-\U0001faff\u2600-\u27bf\u2b50\u2705\u274c\ufe0f\u200d]"
# Keycap digits ("1️⃣") number headings like "1." does: they go with the emoji.
SYMBOLS = re.compile(f"(?:[0-9#*]\ufe0f?\u20e3|{_SYMBOL})+")
BOLD_LEAD = re.compile(r"^\*\*(.+?)\*\*")
MARKUP = re.compile(r"\*\*|__|`|~~")
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
PREFIXES = re.compile(f"(?i:{_NUMBER_PREFIX_PATTERN})?(?:{_LEAD_WORDS_PATTERN})?")
_TRAIL = re.compile(r"[\s:：、,，.。·\-–—*]+$")
_CJK = re.compile(CJK_CHAR)
_LATIN = re.compile(r"[A-Za-z]")
_DESCRIPTOR_RE = re.compile(trie_pattern(DESCRIPTOR_WORDS))
_TOPIC_RE = re.compile("|".join(map(re.escape, TOPIC_WORDS)))


def any_word_pattern(words: tuple[str, ...]) -> str:
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


EXCLUDED_RE = re.compile(any_word_pattern(EXCLUDED_SECTION_WORDS))
# Advice wording or an excluded section word: one search for classify()'s "not an option" test.
_ADVICE_OR_EXCLUDED = re.compile("|".join([*ADVICE_PATTERNS, EXCLUDED_RE.pattern]))
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
    # A warning slot ("不推荐：华为") lists what not to choose.
    r"|(?:^(?:不推荐|不建议|慎选|避雷)$)"
)
ABOUT = ("关于", "对于")
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
    text = SYMBOLS.sub("", title).strip()
    prefixes = PREFIXES.match(text)  # all optional: always matches
    if prefixes:
        text = text[prefixes.end() :]
    bold = BOLD_LEAD.match(text) if text.startswith("**") else None
    if bold:
        inner = NUMBER_PREFIX.sub("", bold.group(1).strip(), count=1)
        raw, _ = _cut(inner)
        rest = text[bold.end() :]
        sentence = False
    else:
        plain = unmarked(text)
        raw, how = _cut(plain)
        rest = plain[len(raw) :]
        sentence = how == "sentence"
        if not heading and how is None:
            core = without_parens(raw)
            sentence = len(core) > _SHORT_PLAIN or _SENTENCE_WORDS.search(core) is not None
    raw = unmarked(raw).strip()
    name = without_parens(raw).strip() or raw.strip("（）()【】[] ")
    parts = [part for part in _GROUP_SPLIT.split(name) if part]
    if parts and not _GROUP_SPLIT.match(name):
        name = parts[0]
    name = _TRAIL.sub("", name.strip())
    bare = _BARE_REST.fullmatch(rest) is not None
    return Header(raw, name, bare, bold is not None, sentence)


def unmarked(text: str) -> str:
    """``text`` without emphasis and code markers; plain substring tests skip most scans."""
    if "*" in text or "_" in text or "`" in text or "~" in text:
        return MARKUP.sub("", text)
    return text


def without_parens(text: str) -> str:
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
        about = name.startswith(ABOUT)
        return ("topic" if about or _TOPIC_RE.search(residue) else "entity"), brands
    if name.startswith(ADVICE_PREFIXES) or _ADVICE_OR_EXCLUDED.search(name):
        return "other", []
    # The raw header without parentheses is usually the name itself: then one search serves both.
    bare_raw = without_parens(header.raw)
    if (
        _descriptor_covered(name)
        or _GROUPING_RE.search(name)
        or (bare_raw != name and _GROUPING_RE.search(bare_raw))
    ):
        return "other", []
    if _CATEGORY_RE.search(name) or (bare_raw != name and _CATEGORY_RE.search(bare_raw)):
        return "category", []
    return "entity", []


def names_brand_alone(name: str, matcher: BrandMatcher) -> bool:
    """True when a name is a tracked brand's, give or take a short word ("华为手机"), not a
    sentence naming it ("预算充足选欧派")."""
    residue = name
    for spelling in matcher.spellings_in(name):
        residue = residue.replace(spelling, "")
    return len(residue.strip(" ·-–—/、")) <= 2
