"""Evidence highlighting in the HTML report (issue #12): flat segments, escaping, the CSS-only wiring."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from hypothesis import given
from hypothesis import strategies as st

from shared.report import render_html
from shared.report.html_evidence import (
    ROLES,
    Segment,
    answer_html,
    brand_class,
    css,
    render_segments,
    segments,
)
from shared.report.htmlpage import CSP
from tests.report.evidence_report import ANSWERS, evidence_report


class MarkReader(HTMLParser):
    """The text of an HTML fragment, and per character the classes of the <mark> around it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text = ""
        self.covers: list[tuple[str, ...]] = []
        self.depth = 0
        self.current: tuple[str, ...] = ()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag == "mark", f"only <mark> elements are expected, got <{tag}>"
        self.depth += 1
        self.current = tuple((dict(attrs).get("class") or "").split())

    def handle_endtag(self, tag: str) -> None:
        self.depth -= 1
        self.current = ()

    def handle_data(self, data: str) -> None:
        assert self.depth in (0, 1), "marks never nest"
        self.text += data
        self.covers += [self.current] * len(data)


def read(fragment: str) -> MarkReader:
    reader = MarkReader()
    reader.feed(fragment)
    reader.close()
    return reader


def marked(reader: MarkReader, klass: str) -> str:
    return "".join(ch for ch, cover in zip(reader.text, reader.covers, strict=True) if klass in cover)


class TestSegments:
    def test_overlapping_ranges_become_flat_segments_with_both_classes(self) -> None:
        """Two overlapping ranges split into three segments; the overlap carries both classes."""
        assert segments("abcdef", [(1, 4, "x"), (2, 6, "y")]) == [
            Segment("a", ()), Segment("b", ("x",)), Segment("cd", ("x", "y")), Segment("ef", ("y",)),
        ]

    def test_nested_tone_range_is_a_cue(self) -> None:
        """A tone range inside another tone range of the same brand (a cue word in its sentence) adds -cue."""
        assert segments("good one", [(0, 8, "b0-tone"), (0, 4, "b0-tone")]) == [
            Segment("good", ("b0-tone", "b0-cue")), Segment(" one", ("b0-tone",)),
        ]

    def test_adjacent_ranges_of_one_class_merge_and_of_two_classes_do_not(self) -> None:
        """Abutting ranges of the same class form one segment; of different classes, two."""
        assert segments("abcd", [(0, 2, "x"), (2, 4, "x")]) == [Segment("abcd", ("x",))]
        assert segments("abcd", [(0, 2, "x"), (2, 4, "y")]) == [Segment("ab", ("x",)), Segment("cd", ("y",))]

    def test_empty_text_and_no_ranges(self) -> None:
        """Empty text has no segments; text without ranges is one plain segment; empty ranges are dropped."""
        assert segments("", [(0, 3, "x")]) == []
        assert segments("abc", []) == [Segment("abc", ())]
        assert segments("abc", [(1, 1, "x"), (2, 1, "y")]) == [Segment("abc", ())]

    def test_out_of_range_offsets_are_clipped(self) -> None:
        """Offsets below 0 or past the end are clipped to the text; a range wholly outside vanishes."""
        assert segments("abc", [(-5, 1, "x"), (2, 99, "y"), (10, 20, "z")]) == [
            Segment("a", ("x",)), Segment("b", ()), Segment("c", ("y",)),
        ]

    def test_cjk_and_astral_characters_are_cut_by_character(self) -> None:
        """Offsets count characters (as the analyser does), CJK and emoji alike."""
        text = "推荐🏠欧派定制"
        assert segments(text, [(3, 5, "b0-mention")]) == [
            Segment("推荐🏠", ()), Segment("欧派", ("b0-mention",)), Segment("定制", ()),
        ]

    @given(
        st.text(alphabet="ab<&>欧派🏠\n", max_size=30),
        st.lists(st.tuples(st.integers(-3, 35), st.integers(-3, 35), st.sampled_from(["x", "y", "b1-tone"])),
                 max_size=8),
    )
    def test_segments_cover_the_text_with_exactly_the_covering_classes(
        self, text: str, spans: list[tuple[int, int, str]]
    ) -> None:
        """For any ranges: segments concatenate to the text, and each character has exactly the classes
        of the (clipped) ranges covering it."""
        parts = segments(text, spans)
        assert "".join(p.text for p in parts) == text
        at = 0
        for part in parts:
            for offset in range(at, at + len(part.text)):
                covering = {k for s, e, k in spans if max(0, s) <= offset < min(e, len(text))}
                assert {c for c in part.classes if not c.endswith("-cue")} == covering
            at += len(part.text)


class TestEscaping:
    def test_markup_inside_evidence_stays_text(self) -> None:
        """Offsets index the raw text: it is split first and each piece escaped, so a range ending
        inside markup neither breaks the tags nor shifts the characters."""
        text = "a<b>c&d</b>"
        fragment = answer_html(text, None)
        assert fragment == "a&lt;b&gt;c&amp;d&lt;/b&gt;"
        rendered = render_segments(segments(text, [(2, 6, "x")]))
        assert rendered == 'a&lt;<mark class="ev x">b&gt;c&amp;</mark>d&lt;/b&gt;'
        reader = read(rendered)
        assert reader.text == text
        assert marked(reader, "x") == text[2:6] == "b>c&"

    def test_real_answers_render_their_text_and_evidence_exactly(self) -> None:
        """In a real report, each answer's <pre> reads back as the answer, and the characters marked
        with a brand's role class are exactly the union of that role's evidence ranges."""
        report = evidence_report()
        page = render_html(report)
        bodies = re.findall(r"<pre class='answer'>(.*?)</pre>", page, flags=re.S)
        assert len(bodies) == len(ANSWERS)
        for cell, body in zip(report.cells, bodies, strict=True):
            reader = read(body)
            assert reader.text == cell.answer
            assert cell.analysis is not None
            for index, found in enumerate(cell.analysis.brands.values()):
                for role in ROLES:
                    covered = sorted({i for ev in found.evidence if ev.role == role for i in range(ev.start, ev.end)})
                    assert marked(reader, brand_class(index, role)) == "".join(cell.answer[i] for i in covered)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script" not in page.lower()


class TestPage:
    def test_csp_still_forbids_scripts(self) -> None:
        """The page keeps its CSP (script-src 'none') and has no script element or inline handler."""
        page = render_html(evidence_report())
        assert f'content="{CSP}"' in page and "script-src 'none'" in CSP
        assert "<script" not in page.lower()
        assert not re.search(r"\son[a-z]+=", page)

    def test_every_label_names_an_input_of_its_own_answer(self) -> None:
        """Input ids are unique on the page; every label's for= is an input in the same <details>,
        placed before the answer's <pre> (so `:checked ~ .answer` reaches it)."""
        page = render_html(evidence_report(copies=2))
        ids = re.findall(r'<input type="radio"[^>]* id="([^"]+)"', page)
        assert len(ids) == len(set(ids)) > 0
        for details in re.findall(r"<details>.*?</details>", page, flags=re.S):
            inputs = re.findall(r'<input type="radio"[^>]* id="([^"]+)"', details)
            targets = re.findall(r'<label class="evl[^"]*" for="([^"]+)"', details)
            assert targets and set(targets) <= set(inputs)
            assert details.rindex("<input") < details.index("<pre")
            # The "clear" radio starts checked: nothing is highlighted until the reader asks.
            assert re.findall(r'id="([^"]+)" checked>', details) == [inputs[0]] and inputs[0].endswith("-none")

    def test_main_brand_rank_and_tone_are_labels(self) -> None:
        """In the first answer the main brand (slot b0) has labels for its mention, rank (#1) and tone."""
        page = render_html(evidence_report())
        assert '<label class="evl b0-mention" for="ev0-b0-mention">欧派</label>' in page
        assert '<label class="evl b0-rank" for="ev0-b0-rank">#1</label>' in page
        assert '<label class="evl b0-tone" for="ev0-b0-tone">positive</label>' in page

    def test_css_does_not_grow_with_the_number_of_answers(self) -> None:
        """The rule set depends on the number of brand slots only: 2 and 20 answers share one <style>."""
        style = re.compile(r"<style>(.*?)</style>", flags=re.S)
        small = style.findall(render_html(evidence_report(copies=1)))
        large = style.findall(render_html(evidence_report(copies=10)))
        assert small == large
        assert css(3) in small[0] and css(0) == ""
        assert ".ev-pick.b2-rank:checked~.answer mark.b2-rank" in css(3)
        assert "b3-" not in css(3)
