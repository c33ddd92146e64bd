"""Options read from Markdown tables: the column naming a table's entries, if any.

A header cell (品牌/公司/名称…) names the entry column; otherwise the first column that is not a rank
column, when two rows or more name a tracked brand there. Tables of criteria ("| 对比项 | 结论 |"), or
with brands across the header row, have no entry rows.
"""

from __future__ import annotations

import re

from shared.analysis.headers import (
    MARKUP,
    SYMBOLS,
    Option,
    any_word_pattern,
    classify,
    names_brand_alone,
    split_header,
    without_parens,
)
from shared.analysis.lexicon import TABLE_ENTITY_HEADERS
from shared.analysis.matching import BrandMatcher
from shared.analysis.structure import Node

_TABLE_HEADER = re.compile(any_word_pattern(TABLE_ENTITY_HEADERS))


# A cell holding only a position ("1", "No.2", "🥇", "第三"): a rank column, not the entries.
_POSITION_CELL = re.compile(r"(?i:no\.?|top|第)?\s*[\d一二三四五六七八九十]{0,2}\s*[名位]?")


# Header cells of a column of criteria ("维度", "对比项", "评估指标").
_CRITERIA_HEADER = re.compile(r"维度|对比项|比较项|项目|指标|方面|因素|考量|标准|参数")


def _entry_column(rows: list[list[str]], matcher: BrandMatcher) -> int | None:
    """The column naming a table's entries when no header cell says so ("| 推荐 | 优势 |"):
    the first column that is not a rank column, provided at least two rows name a tracked
    brand there. A table with brands across its header row compares them by dimension (its
    rows are criteria): no entries."""
    if sum(bool(matcher.spellings_in(cell)) for cell in rows[0]) >= 2:
        return None
    body = rows[1:]
    width = max(len(row) for row in body)
    header = rows[0]
    for column in range(width):
        cells = [SYMBOLS.sub("", MARKUP.sub("", row[column])).strip() for row in body if column < len(row)]
        if all(_POSITION_CELL.fullmatch(cell) for cell in cells):
            continue
        if column < len(header) and _CRITERIA_HEADER.search(header[column]):
            # "| 对比项 | 结论 |" over "| 欧派的价格 | 贵 |": the rows are criteria, not entries.
            return None
        named = sum(bool(matcher.spellings_in(cell)) for cell in cells)
        if named >= 2:
            return column
        if named == 0 and column == 0 and header and _TIER_HEADER.search(header[0]):
            # "| 定位 | 代表 | … |" over "| 高端 | 欧派 | … |": a first column of tiers or types,
            # and the entries in the next column, each a brand's name alone.
            return _named_column(body, 1, matcher)
        return None
    return None


# A first column of tiers or types ("定位", "档次", "类型"); a scenario column ("场景", "需求") maps
# needs to picks, which is advice.
_TIER_HEADER = re.compile(r"定位|档|梯队|级别|类型|类别|价位|层级|分类")


def _named_column(body: list[list[str]], column: int, matcher: BrandMatcher) -> int | None:
    """``column`` when two or more of its cells are each a tracked brand's name alone."""
    cells = [SYMBOLS.sub("", MARKUP.sub("", row[column])).strip() for row in body if column < len(row)]
    alone = sum(
        bool(matcher.spellings_in(cell)) and names_brand_alone(without_parens(cell), matcher) for cell in cells
    )
    return column if alone >= 2 else None


def table_options(table: Node, matcher: BrandMatcher) -> list[Option]:
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
        for piece in re.split(r"[、,，/]| 或 ", MARKUP.sub("", row[column])):
            header = split_header(piece)
            kind, brands = classify(header, matcher)
            if kind in ("entity", "category"):
                option = Option(
                    header.name, header.raw, table.start, table.end, strong=bool(brands), brands=brands, table=True
                )
                found.append(option)
    return found
