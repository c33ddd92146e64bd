"""The text helpers behind the fast scans: ASCII folding, guarded tries, sentences, word counts."""

from __future__ import annotations

import re
import string

import pytest

from shared.analysis.textutil import (
    ascii_folded,
    caseless_or_ascii,
    sentence_spans,
    trie_pattern,
    word_count,
)

# Every code point outside ASCII except the surrogates (which cannot be encoded even with
# surrogatepass when they pair up inside one string).
NON_ASCII = "".join(chr(c) for c in range(0x80, 0x110000) if not 0xD800 <= c <= 0xDFFF)
EXOTIC = "\u017f\u0130\u0131\u212a"


class TestAsciiFolded:
    def test_lowercases_ascii_only_and_keeps_offsets(self) -> None:
        """Folding lowercases ASCII letters, leaves every other character (even cased ones) as is."""
        text = "OPPO 华为 ÉCOLE Ｖivo ΣΑΣ"
        folded = ascii_folded(text)
        assert folded == "oppo 华为 École Ｖivo ΣΑΣ"
        assert len(folded) == len(text)

    def test_exotic_characters_refuse_folding(self) -> None:
        """A text holding a character IGNORECASE equates with an ASCII letter is not folded."""
        for char in EXOTIC:
            assert ascii_folded(f"好评 {char}") is None

    def test_lone_surrogates_survive(self) -> None:
        """A lone surrogate (possible after lenient JSON decoding) folds through unchanged."""
        assert ascii_folded("A\ud800B") == "a\ud800b"

    def test_ignorecase_matches_no_other_non_ascii_character_to_ascii(self) -> None:
        """Outside the exotic four, no non-ASCII character matches an ASCII letter, digit or range
        under IGNORECASE, so case-sensitive scans of folded text find the same matches."""
        assert set(re.findall("[A-Za-z0-9]", NON_ASCII, re.IGNORECASE)) == set(EXOTIC)
        for char in string.ascii_lowercase + string.digits:
            assert set(re.findall(char, NON_ASCII, re.IGNORECASE)) <= set(EXOTIC), char

    def test_caseless_pattern_characters(self) -> None:
        """Aliases of ASCII and CJK qualify for folded scans; cased non-ASCII letters do not."""
        assert caseless_or_ascii("华为 HUAWEI 3.0")
        assert not caseless_or_ascii("Škoda")
        assert not caseless_or_ascii("ß")


class TestGuardedTrie:
    WORDS = ("good", "great", "best", "well-known", "high quality")

    @pytest.mark.parametrize(
        "text",
        ["good great", "很good，best的", "ungood goodness", "a well-known high quality brand", "_best best_ 1best", ""],
    )
    def test_guard_equals_leading_boundary(self, text: str) -> None:
        """A trie guarded with not_after=\\w matches exactly where a leading \\b pattern does."""
        plain = re.compile(r"\b(?:" + trie_pattern(self.WORDS) + r")\b")
        guarded = re.compile(trie_pattern(self.WORDS, not_after=r"\w") + r"\b")
        assert [m.span() for m in guarded.finditer(text)] == [m.span() for m in plain.finditer(text)]

    def test_guarded_pattern_starts_with_literals(self) -> None:
        """The guarded form begins with the words' first characters, not with a lookbehind."""
        assert trie_pattern(("but", "however"), not_after=r"\w").startswith("(?:b")

    def test_line_break_first_character_is_rejected(self) -> None:
        """A word starting with a line break cannot carry the guard, and says so."""
        with pytest.raises(ValueError, match="line break"):
            trie_pattern(("\nx",), not_after=r"\w")


class TestSentencesAndWords:
    @pytest.mark.parametrize(
        "text",
        ["第一句。第二句！！\n\n- 条目；条目2", "Good. Very good.Really", "末尾没有标点", "v1.5 版本。", "...", "a.\n"],
    )
    def test_sentence_spans_match_the_plain_terminator_pattern(self, text: str) -> None:
        """Sentence ends found by the set-first pattern equal those of "[。！？!?；;\\n]+|\\.(?=\\s|$)"."""
        reference = re.compile(r"[。！？!?；;\n]+|\.(?=\s|$)")
        spans: list[tuple[int, int]] = []
        start = 0
        for match in reference.finditer(text):
            if text[start : match.end()].strip():
                spans.append((start, match.end()))
            start = match.end()
        if text[start:].strip():
            spans.append((start, len(text)))
        assert sentence_spans(text) == spans

    def test_word_count_in_a_range(self) -> None:
        """CJK characters count one each, Latin/digit runs one each, only inside [start, end)."""
        text = "华为 Mate60 don't 很好"
        assert word_count(text) == 2 + 1 + 1 + 2
        assert word_count(text, 3, 9) == 1
