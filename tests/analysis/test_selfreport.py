"""The geo_analysis self-report: locating, removing, tolerant parsing, and disagreements."""

from __future__ import annotations

from shared.analysis import parse_self_report
from tests.analysis.helpers import run

BODY = "1. **小米**：性能强。\n2. **华为**：生态好。\n"
BLOCK = (
    '{\n  "geo_analysis": {\n    "brand_mentioned": true,\n    "rank": 1,\n    "sentiment": 0.8,\n'
    '    "cited_sources": [{"url": "https://www.zhihu.com/q/1", "site_name": "知乎", "attitude": "neutral"}],\n'
    '    "interception": ""\n  }\n}'
)


class TestParsing:
    def test_plain_block_removed_and_parsed(self) -> None:
        """A bare trailing JSON block is cut from the text and every field is read."""
        text, report = parse_self_report(BODY + "\n" + BLOCK)
        assert text == BODY.rstrip()
        assert report is not None
        assert (report.brand_mentioned, report.rank, report.sentiment) == (True, 1, 0.8)
        assert report.cited_sources[0]["site_name"] == "知乎"
        assert report.parse_note is None

    def test_fenced_block_with_trailing_text(self) -> None:
        """A ```json fence is removed with the block; text after it stays in the answer."""
        text, report = parse_self_report(BODY + "```json\n" + BLOCK + "\n```\n以上仅供参考。")
        assert "geo_analysis" not in text and "```" not in text
        assert text.endswith("以上仅供参考。")
        assert report is not None and report.rank == 1

    def test_single_line_block(self) -> None:
        """The one-line form Doubao uses parses the same."""
        line = '{"geo_analysis": {"brand_mentioned": false, "rank": -1, "sentiment": 0.0, "interception": "小米"}}'
        _, report = parse_self_report(BODY + "\n" + line)
        assert report is not None
        assert (report.brand_mentioned, report.rank, report.interception) == (False, None, "小米")

    def test_trailing_commas_and_python_literals_repaired(self) -> None:
        """Trailing commas and True/False are repaired, and the note says so."""
        broken = '{"geo_analysis": {"brand_mentioned": True, "rank": 2, "sentiment": 0.5,},}'
        _, report = parse_self_report(BODY + broken)
        assert report is not None and report.rank == 2 and report.brand_mentioned is True
        assert report.parse_note == "repaired malformed JSON"

    def test_truncated_block(self) -> None:
        """A block cut off mid-way (no closing braces) still yields the fields it has."""
        _, report = parse_self_report(BODY + '{"geo_analysis": {"brand_mentioned": true, "rank": 3, "sentim')
        assert report is not None and report.rank == 3 and report.brand_mentioned is True

    def test_unrepairable_block_falls_back_to_patterns(self) -> None:
        """Garbage around the fields falls back to field patterns, recorded in parse_note."""
        garbage = '{"geo_analysis": {"brand_mentioned": true, rank: 4 ?? "sentiment": 0.2 }} }'
        _, report = parse_self_report(BODY + garbage)
        assert report is not None
        assert report.rank == 4 and report.sentiment == 0.2
        assert report.parse_note == "invalid JSON; fields recovered by pattern"

    def test_braces_and_escaped_quotes_inside_strings(self) -> None:
        """Braces and escaped quotes inside JSON strings do not end the block; text after it stays."""
        block = '{"geo_analysis": {"interception": "a \\"}\\" {b}", "rank": 2}}'
        text, report = parse_self_report(BODY + block + "\n以上仅供参考。")
        assert report is not None and report.rank == 2 and report.interception == 'a "}" {b}'
        assert text == BODY.rstrip() + "\n\n以上仅供参考。"

    def test_sentiment_clamped(self) -> None:
        """Out-of-range sentiment is clamped to −1..1."""
        _, report = parse_self_report(BODY + '{"geo_analysis": {"sentiment": 5}}')
        assert report is not None and report.sentiment == 1.0

    def test_no_block(self) -> None:
        """Without a block the text is unchanged and the report is None."""
        assert parse_self_report(BODY) == (BODY, None)


class TestAgainstText:
    def test_block_never_counts_as_mentions(self) -> None:
        """Brand names inside the block (interception, site names) are not mentions or options."""
        block = '{"geo_analysis": {"brand_mentioned": true, "rank": 1, "interception": "欧派, 志邦"}}'
        result = run("全屋定制推荐索菲亚。\n" + block, "欧派", "志邦")
        assert not result.brands["欧派"].mentioned and not result.brands["志邦"].mentioned
        assert result.recommended == []

    def test_disagreements_listed(self) -> None:
        """Contradicting mention, rank and interception each produce a readable disagreement."""
        block = '{"geo_analysis": {"brand_mentioned": false, "rank": 1, "interception": ""}}'
        result = run(BODY + block, "华为", "小米")
        notes = " | ".join(result.disagreements)
        assert "brand_mentioned=false" in notes
        assert "rank 1" in notes and "ranked 2" in notes
        assert "interceptors" in notes and "小米" in notes
        # The text wins: the self-report never overrides what was read.
        assert result.brands["华为"].rank == 2 and result.brands["华为"].mentioned

    def test_agreeing_report_has_no_disagreements(self) -> None:
        """A self-report that matches the text adds nothing to disagreements."""
        block = '{"geo_analysis": {"brand_mentioned": true, "rank": 2, "interception": "小米"}}'
        result = run(BODY + block, "华为", "小米")
        assert result.disagreements == []
        assert result.self_report is not None and result.self_report.rank == 2

    def test_missing_block_when_expected(self) -> None:
        """When the request asked for a self-report and none came, that is noted."""
        result = run(BODY, "华为", "小米", self_report_expected=True)
        assert result.self_report is None
        assert result.disagreements == ["a geo_analysis self-report was requested but the answer has none"]
