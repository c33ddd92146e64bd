"""Citation attribution (issue #18): each tracked brand's ``cited_sources`` are the ids of the
sources cited by spans overlapping the sentences that name it or sit in its option block.

Hand-made answers, spans in character offsets of the answer as stored (as every search dialect
delivers them), through the real ``analyse``.
"""

from __future__ import annotations

from shared.analysis import analyse
from shared.analysis.types import AnswerAnalysis
from shared.contracts import Brand, Source, Span

SOURCES = [
    Source(id="1", url="https://www.zhihu.com/q/1", domain="zhihu.com"),
    Source(id="2", url="https://baike.baidu.com/item/x", domain="baike.baidu.com"),
    Source(id="3", url="https://www.smzdm.com/p/3", domain="smzdm.com"),
    Source(id="4", url="https://www.autohome.com.cn/4", domain="autohome.com.cn", kind="retrieved"),
]
OPTIONS = (
    "推荐如下：\n"
    "1. **欧派**：品质优秀，口碑很好。板材环保等级高。\n"
    "2. **索菲亚**：性价比高。售后网点多。\n"
    "3. **尚品宅配**：主打个性化设计。\n"
)


def span_of(answer: str, sentence: str, *ids: str) -> Span:
    start = answer.index(sentence)
    return Span(start=start, end=start + len(sentence), source_ids=list(ids))


def cited(answer: str, spans: list[Span], *names: str, sources: list[Source] = SOURCES) -> AnswerAnalysis:
    return analyse(answer, Brand(name=names[0]), [Brand(name=n) for n in names[1:]], sources=sources, spans=spans)


class TestSentenceAttribution:
    def test_a_span_over_a_sentence_naming_a_brand_is_attributed_to_that_brand(self) -> None:
        """Prose without options: the source cited by the sentence naming 索菲亚 is 索菲亚's only."""
        answer = "欧派的环保做得好。索菲亚的性价比更高！尚品宅配适合年轻人。"
        result = cited(answer, [span_of(answer, "索菲亚的性价比更高！", "2")], "欧派", "索菲亚", "尚品宅配")
        assert result.brands["索菲亚"].cited_sources == ["2"]
        assert result.brands["欧派"].cited_sources == [] and result.brands["尚品宅配"].cited_sources == []

    def test_a_sentence_naming_two_brands_credits_both_and_ids_keep_source_order(self) -> None:
        """One sentence naming both brands: both get its ids, listed in the order of ``sources``."""
        answer = "欧派和索菲亚都是一线品牌。志邦也不错。"
        result = cited(answer, [span_of(answer, "欧派和索菲亚都是一线品牌。", "3", "1")], "欧派", "索菲亚", "志邦")
        assert result.brands["欧派"].cited_sources == ["1", "3"]
        assert result.brands["索菲亚"].cited_sources == ["1", "3"]
        assert result.brands["志邦"].cited_sources == []

    def test_a_span_inside_a_sentence_counts_for_the_whole_sentence(self) -> None:
        """Spans need only overlap the sentence (Anthropic's block, a Gemini segment cut mid-way)."""
        answer = "据报道，索菲亚今年销量领先，门店覆盖全国。欧派紧随其后。"
        start = answer.index("销量领先")
        result = cited(answer, [Span(start=start, end=start + 4, source_ids=["1"])], "欧派", "索菲亚")
        assert result.brands["索菲亚"].cited_sources == ["1"] and result.brands["欧派"].cited_sources == []

    def test_western_sentences_split_on_periods(self) -> None:
        """The split is CJK-aware and Western: '. ' ends an English sentence too."""
        answer = "IKEA is cheap. Oppein leads on quality. Sofia is in between."
        result = cited(answer, [span_of(answer, "Oppein leads on quality.", "2")], "Oppein", "IKEA", "Sofia")
        assert result.brands["Oppein"].cited_sources == ["2"]
        assert result.brands["IKEA"].cited_sources == [] and result.brands["Sofia"].cited_sources == []


class TestOptionBlockAttribution:
    def test_a_sentence_in_an_option_block_that_does_not_name_the_brand_is_still_its(self) -> None:
        """'板材环保等级高。' names no brand but sits in 欧派's block: its source is 欧派's."""
        result = cited(OPTIONS, [span_of(OPTIONS, "板材环保等级高。", "1")], "欧派", "索菲亚", "尚品宅配")
        assert result.brands["欧派"].cited_sources == ["1"]

    def test_no_leakage_to_a_brand_in_another_option(self) -> None:
        """Sources cited in 索菲亚's block never reach 欧派 or 尚品宅配, and the reverse."""
        spans = [span_of(OPTIONS, "售后网点多。", "3"), span_of(OPTIONS, "主打个性化设计。", "2")]
        result = cited(OPTIONS, spans, "欧派", "索菲亚", "尚品宅配")
        assert result.brands["索菲亚"].cited_sources == ["3"]
        assert result.brands["尚品宅配"].cited_sources == ["2"]
        assert result.brands["欧派"].cited_sources == []

    def test_the_intro_before_the_options_belongs_to_no_brand(self) -> None:
        """The lead-in sentence names no brand and is in no block: nobody is credited."""
        result = cited(OPTIONS, [span_of(OPTIONS, "推荐如下：", "1")], "欧派", "索菲亚")
        assert all(not b.cited_sources for b in result.brands.values())


class TestWhatIsNeverAttributed:
    def test_retrieved_sources_and_unknown_ids_are_ignored(self) -> None:
        """A source no span points at is not attributed; a span id naming no source is dropped."""
        answer = "索菲亚的性价比更高。"
        result = cited(answer, [span_of(answer, answer, "9", "2")], "欧派", "索菲亚")
        assert result.brands["索菲亚"].cited_sources == ["2"]
        assert "4" not in result.brands["索菲亚"].cited_sources

    def test_no_spans_means_no_attribution(self) -> None:
        """An answer without spans (search off) leaves every cited_sources empty."""
        result = cited("索菲亚的性价比更高。", [], "欧派", "索菲亚")
        assert all(b.cited_sources == [] for b in result.brands.values())

    def test_a_named_source_spanned_by_its_sentence_is_attributed(self) -> None:
        """Kimi's sources are URLs named in the text, spanned by the sentence that writes them out."""
        answer = "索菲亚口碑好（https://www.zhihu.com/q/1）。欧派也行。"
        named = [Source(id="u1", url="https://www.zhihu.com/q/1", domain="zhihu.com", kind="named")]
        result = cited(answer, [span_of(answer, "索菲亚口碑好（https://www.zhihu.com/q/1）。", "u1")],
                       "欧派", "索菲亚", sources=named)
        assert result.brands["索菲亚"].cited_sources == ["u1"] and result.brands["欧派"].cited_sources == []


class TestAcrossTheSelfReport:
    def test_spans_after_a_cut_self_report_still_find_their_sentence(self) -> None:
        """The analyser reads the answer without its geo_analysis block; spans are offsets of the
        stored answer, so a sentence after the block is still matched (one mapping, AnswerOffsets)."""
        block = '\n```json\n{"geo_analysis": {"brand_mentioned": true, "rank": 1}}\n```\n\n'
        answer = "欧派的环保做得好。" + block + "索菲亚的性价比更高。"
        spans = [span_of(answer, "索菲亚的性价比更高。", "2"), span_of(answer, "欧派的环保做得好。", "1")]
        result = cited(answer, spans, "欧派", "索菲亚")
        assert result.brands["索菲亚"].cited_sources == ["2"]
        assert result.brands["欧派"].cited_sources == ["1"]

    def test_a_span_inside_the_self_report_block_credits_nobody(self) -> None:
        """The block is not part of the analysed text: a span lying wholly in it attributes nothing."""
        block = '\n```json\n{"geo_analysis": {"brand_mentioned": true, "rank": 1, "x": "索菲亚"}}\n```\n\n'
        answer = "欧派的环保做得好。" + block + "总之，都可以。"
        start = answer.index('"geo_analysis"')
        result = cited(answer, [Span(start=start, end=start + 10, source_ids=["1"])], "欧派", "索菲亚")
        assert all(not b.cited_sources for b in result.brands.values())
