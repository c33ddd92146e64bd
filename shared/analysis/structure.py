"""The outline of a Markdown answer: headings, list items and tables as a tree.

Models format recommendations as numbered lists, bullets, "### 1. 名称" sections, bold-only
lines ("**1. 全国性头部品牌**") acting as headings, "一、…" group titles, and tables. The
outline keeps each block's title line, its offset span and its children, so option extraction
can tell a group ("一、国际品牌") from an option ("1. 麦肯锡") from a feature bullet
("- 优势：…") by where they sit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["root", "heading", "item", "table"]

_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s*(.*?)\s*#*\s*$")
# A line that is only bold text (optionally ending with a colon): used as a heading.
_BOLD_LINE = re.compile(r"^\s*\*\*([^*\n]+?)[:：]?\*\*\s*[:：]?\s*$")
# "一、国际品牌" / "二. 国内品牌" as a group title outside Markdown headings.
_CN_ORDINAL_LINE = re.compile(r"^\s*[一二三四五六七八九十]+\s*[、.．]\s*\S")
# Markers: bullets, "1." / "1、" / "1)", "(1)", and the numberings Chinese answers also use for
# entries: keycap digits ("1️⃣ **欧派**"), circled numbers ("① 欧派") and "（一）".
_ITEM = re.compile(
    r"^(\s*)(?:[-*+•●▪◆·]\s+|\d{1,2}\s*[.、)）．](?!\d)\s*|[（(]\d{1,2}[)）]\s*"
    r"|[0-9]\ufe0f?\u20e3\s*|[\u2460-\u2473]\s*|[（(][一二三四五六七八九十]{1,2}[)）]\s*)(\S.*)$"
)
# A short unindented line ending with a colon ("选择建议：", "以下品牌值得考虑：") introduces the
# list below it, so it acts as a heading for that list.
_COLON_LINE = re.compile(r"^\S[^\n]{0,40}[:：]\s*$")
# "**欧派**：品质好…" as a paragraph of its own: a bold lead naming what the line describes, read
# as an unnumbered list item (the labelling guide's "bold lead lines").
_BOLD_LEAD_LINE = re.compile(r"^\*\*[^*\n]{1,30}?(?:\*\*\s*[:：]|[:：]\*\*)\s*\S")
_AS_ITEM = re.compile(r"^()(.*)$")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")

# Levels order the tree: Markdown headings 1-6, then plain group lines, then bold-only lines.
_LEVEL_CN_ORDINAL = 7
LEVEL_BOLD = 8


@dataclass(slots=True)
class Node:
    kind: Kind
    title: str
    start: int
    end: int
    level: int = 0
    indent: int = 0
    children: list[Node] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def parse_outline(text: str) -> Node:
    """Build the outline tree; every node's ``end`` covers its whole body."""
    root = Node("root", "", 0, len(text))
    # Stack of open containers: headings by level, then items by indentation.
    headings: list[Node] = [root]
    items: list[Node] = []
    offset = 0
    in_fence = False
    previous_blank = False
    table: Node | None = None

    def close_items_to(indent: int, at: int) -> None:
        while items and items[-1].indent >= indent:
            items.pop().end = at

    def open_heading(title: str, level: int, start: int, end: int) -> None:
        close_items_to(0, start)
        while len(headings) > 1 and headings[-1].level >= level:
            headings.pop().end = start
        node = Node("heading", title, start, end, level)
        headings[-1].children.append(node)
        headings.append(node)

    for line in text.splitlines(keepends=True):
        start = offset
        offset += len(line)
        stripped = line.rstrip("\r\n")
        # The substring tests are necessary conditions of the patterns after them: most lines
        # skip those regex calls.
        if ("```" in stripped or "~~~" in stripped) and _FENCE.match(stripped):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        if "|" in stripped and _TABLE_ROW.match(stripped):
            if table is None:
                close_items_to(0, start)
                table = Node("table", "", start, offset)
                headings[-1].children.append(table)
            if not _TABLE_RULE.match(stripped):
                table.rows.append(_cells(stripped))
            table.end = offset
            continue
        table = None
        if not stripped or stripped.isspace():
            previous_blank = True
            continue
        follows_blank, previous_blank = previous_blank, False
        indented = line[0].isspace()
        # Headings ("#"), bold-only lines ("**", which is no bullet) and list items (a bullet,
        # number or parenthesis first) exclude one another: the commonest, the item, goes first.
        item = _ITEM.match(stripped)
        if item is None and not indented and stripped.startswith("**") and _BOLD_LEAD_LINE.match(stripped):
            item = _AS_ITEM.match(stripped)
        if item:
            lead, title = item.groups()
            indent = len(lead.expandtabs(4)) if "\t" in lead else len(lead)
            while items and items[-1].indent >= indent:
                items.pop().end = start
            node = Node("item", title, start, offset, 0, indent)
            (items[-1] if items else headings[-1]).children.append(node)
            items.append(node)
            continue
        heading = _HEADING.match(stripped) if "#" in stripped else None
        if heading:
            open_heading(heading.group(2), len(heading.group(1)), start, offset)
            continue
        # A bold-only line is a heading unindented, a paragraph line indented.
        bold = _BOLD_LINE.match(stripped) if "**" in stripped else None
        if bold and not indented:
            open_heading(bold.group(1), LEVEL_BOLD, start, offset)
            continue
        if not bold and not indented:
            if _CN_ORDINAL_LINE.match(stripped):
                open_heading(stripped.strip(), _LEVEL_CN_ORDINAL, start, offset)
                continue
            if ("：" in stripped or ":" in stripped) and _COLON_LINE.match(stripped):
                open_heading(stripped.strip(), LEVEL_BOLD, start, offset)
                continue
        # A paragraph line: it belongs to the open item if indented or directly continuing it.
        if items:
            if indented or (not follows_blank and not items[-1].children):
                # An unindented paragraph directly under an item ("1. 比亚迪\n正文") is that item's
                # body; after a blank line it is a new paragraph and closes the list.
                items[-1].end = offset
                continue
            close_items_to(0, start)
    close_items_to(0, len(text))
    while len(headings) > 1:
        headings.pop().end = len(text)
    return root
