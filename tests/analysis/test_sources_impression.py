"""Cited URLs, domains and named sources; the GEO impression share."""

from __future__ import annotations

from tests.analysis.helpers import run


class TestSources:
    def test_urls_and_domains(self) -> None:
        """URLs are collected once each (trailing punctuation trimmed) and reduced to domains without www."""
        answer = "见 https://www.zhihu.com/question/1，以及 www.oppein.cn 和 https://www.zhihu.com/question/1。"
        result = run(answer, "欧派")
        assert result.cited_urls == ["https://www.zhihu.com/question/1", "http://www.oppein.cn"]
        assert result.cited_domains == ["zhihu.com", "oppein.cn"]

    def test_named_sources(self) -> None:
        """Platforms named in prose are listed once, canonical, in order of first appearance."""
        answer = "可在小红书、知乎搜索，也可以看汽车之家和什么值得买，或品牌官网、京东自营、小红书。"
        result = run(answer, "欧派")
        assert result.named_sources == ["小红书", "知乎", "汽车之家", "什么值得买", "官网", "京东"]

    def test_self_report_sources_are_not_text_sources(self) -> None:
        """URLs only in the self-report block stay in self_report, not in cited_urls."""
        block = '{"geo_analysis": {"cited_sources": [{"url": "https://www.mi.com", "site_name": "小米官网"}]}}'
        result = run("推荐小米。\n" + block, "小米")
        assert result.cited_urls == []
        assert result.self_report is not None and result.self_report.cited_sources[0]["url"] == "https://www.mi.com"


class TestImpressionShare:
    def test_shares_sum_to_one_over_mentioned_brands(self) -> None:
        """Shares are normalised over tracked brands; an absent brand has 0."""
        result = run("1. **华为**：影像出色。\n2. **小米**：性能强。\n", "华为", "小米", "Oppo")
        shares = {name: found.impression_share for name, found in result.brands.items()}
        assert abs(sum(shares.values()) - 1.0) < 1e-3
        assert shares["Oppo"] == 0.0

    def test_earlier_position_weighs_more(self) -> None:
        """Equal-length sentences: the brand mentioned first gets the larger share (exp(−i/n) decay)."""
        result = run("华为的影像系统很好。\n小米的影像系统很好。\n", "华为", "小米")
        assert result.brands["华为"].impression_share > result.brands["小米"].impression_share

    def test_no_mentions_all_zero(self) -> None:
        """With no tracked brand in the text, every share is 0 (not a division error)."""
        result = run("推荐同仁堂。", "元若曦", "喜纯")
        assert all(found.impression_share == 0.0 for found in result.brands.values())
