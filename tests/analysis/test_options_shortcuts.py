"""Shortcuts in option extraction agree with the full header split they skip."""

from __future__ import annotations

import pytest

from shared.analysis.options import _FEATURE_LABEL_RE, _FEATURE_TITLE, _split_header, split_header

TITLES = [
    "**优势**：规模和品牌力第一，门店覆盖广。",
    "适合人群：追求大品牌保障的家庭。",
    "**核心优势**",
    "价格区间:3000-5000元",
    "**现状与考量**：仍在变化",  # group separator: the name is "现状", not a feature label
    "**网址/平台**：https://example.com",
    "如何寻找：先看口碑",  # a lead word may start a plain title: left to split_header()
    "**欧派**（定制家居行业龙头）",
    "一、优势：多",
    "🔥**优势**：多",
    "**优势 **：多",
]


@pytest.mark.parametrize("title", TITLES)
def test_feature_title_shortcut_only_skips_feature_labels(title: str) -> None:
    """A title the shortcut recognises is one split_header() names by a feature label."""
    if _FEATURE_TITLE.match(title):
        for heading in (False, True):
            assert _FEATURE_LABEL_RE.fullmatch(split_header(title, heading=heading).name)


def test_feature_title_shortcut_covers_the_common_shapes() -> None:
    """The bold and colon forms of plain labels take the shortcut; grouped or decorated ones do not."""
    assert _FEATURE_TITLE.match("**优势**：规模和品牌力第一")
    assert _FEATURE_TITLE.match("适合人群：追求大品牌保障的家庭")
    assert not _FEATURE_TITLE.match("**现状与考量**：仍在变化")
    assert not _FEATURE_TITLE.match("**欧派**（定制家居行业龙头）")


SHORTCUT_TITLES = [
    "**欧派**（定制家居行业龙头）",
    "**Apple**：设计出色",
    "**欧派**",
    "**欧派** 🔥",
    "**欧派**__",
    "**欧派**_",
    "**和平精英**：和 splits groups",
    "**A vs B**",
    "**一号店**：",
    "参考来源：",
    "小红书：https://www.xiaohongshu.com/explore/1",
    "全屋定制主流品牌分析",
    "欧派在五金配件上略胜一筹",
    "一线品牌：",
    "如何选择：",
    "比亚迪：新能源",
    "例如小米：",
    "vs小米：",
]


@pytest.mark.parametrize("title", SHORTCUT_TITLES)
@pytest.mark.parametrize("heading", [False, True])
def test_plain_name_shortcuts_equal_the_general_split(title: str, heading: bool) -> None:
    """split_header()'s shortcuts for "**name**…", "name：…" and "name" titles return what the
    general path does (titles they do not apply to take the general path anyway)."""
    fast, general = split_header(title, heading=heading), _split_header(title, heading)
    assert (fast.raw, fast.name, fast.bare, fast.strong, fast.sentence) == (
        general.raw, general.name, general.bare, general.strong, general.sentence
    )
