"""Brand matching: case, word boundaries, CJK substrings, aliases, offsets."""

from __future__ import annotations

from shared.analysis.matching import matcher_for
from shared.contracts import Brand
from tests.analysis.helpers import run


class TestLatinNames:
    def test_case_insensitive(self) -> None:
        """A Latin brand name matches whatever the answer's casing ("Vivo" finds "vivo" and "VIVO")."""
        result = run("推荐 vivo X Fold，VIVO 的屏幕不错。", "Vivo")
        assert result.brands["Vivo"].mention_count == 2

    def test_no_hit_inside_longer_word(self) -> None:
        """Alias "OPPO" must not match inside "OPPOSITE" or "oppositional"; it does match "OPPO Reno"."""
        result = run("The OPPOSITE view is oppositional. OPPO Reno is fine.", "OPPO")
        assert result.brands["OPPO"].mention_count == 1

    def test_name_mixing_cjk_and_latin(self) -> None:
        """A mixed name ("清蓝GEO") matches after CJK text but not when more Latin letters follow."""
        result = run("推荐清蓝GEO服务，不是清蓝GEOX。", "清蓝GEO")
        assert result.brands["清蓝GEO"].mention_count == 1


class TestChineseNames:
    def test_short_name_inside_compound_counts(self) -> None:
        """Chinese has no spaces: "志邦家居" is a mention of the brand "志邦"."""
        result = run("志邦家居以橱柜见长。", "志邦")
        assert result.brands["志邦"].mentioned

    def test_longer_tracked_name_wins(self) -> None:
        """When both "华为" and "华为云" are tracked, "华为云" is attributed to the longer name only."""
        result = run("华为云提供咨询，华为手机也不错。", "华为", "华为云")
        assert result.brands["华为"].mention_count == 1
        assert result.brands["华为云"].mention_count == 1

    def test_aliases_count_for_the_brand(self) -> None:
        """Aliases are mentions of their brand and the first offset is the earliest of any alias."""
        result = run("OPPEIN 与欧派是同一品牌。", "欧派", aliases=["OPPEIN"])
        found = result.brands["欧派"]
        assert found.mention_count == 2
        assert found.first_offset == 0

    def test_absent_brand(self) -> None:
        """A brand never named is not mentioned: no offset, count 0, no sentiment or tone."""
        result = run("推荐索菲亚。", "欧派", "索菲亚")
        absent = result.brands["欧派"]
        assert (absent.mentioned, absent.first_offset, absent.mention_count, absent.tone) == (False, None, 0, None)


class TestMatcherCache:
    def test_same_request_reuses_matcher(self) -> None:
        """The compiled matcher is cached per (brand, competitors): a run's cells share one."""
        first = matcher_for(Brand(name="华为"), [Brand(name="小米")])
        second = matcher_for(Brand(name="华为"), [Brand(name="小米")])
        assert first is second
