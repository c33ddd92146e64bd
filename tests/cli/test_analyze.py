"""`brandlens analyze`: JSON lines in, one analysis (or one error) per line out — no stack needed."""

from __future__ import annotations

import json

import msgspec

from shared.analysis import analyse
from shared.contracts import Brand
from tests.cli.conftest import brandlens
from tests.cli.seed import fixture_answers

BRAND = {"name": "欧派", "aliases": ["OPPEIN"]}
COMPETITORS = [{"name": "索菲亚"}, {"name": "志邦"}, {"name": "尚品"}]


def line(answer: str, **overrides: object) -> str:
    return json.dumps({"brand": BRAND, "competitors": COMPETITORS, "answer": answer, **overrides},
                      ensure_ascii=False)


class TestAnalyzeCommand:
    def test_each_line_yields_one_analysis_and_a_bad_line_a_structured_error(self) -> None:
        """Three lines in, three out, in order; the malformed middle line becomes an error line naming
        the field, the command still exits 0 and the lines around it are analysed."""
        first, second = fixture_answers()[0]["answer"], fixture_answers()[1]["answer"]
        bad = json.dumps({"brand": {"name": 5}, "answer": "欧派很好"})
        result = brandlens(None, "analyze", stdin="\n".join([line(first), bad, line(second)]) + "\n")
        assert result.returncode == 0, result.stderr
        out = [json.loads(text) for text in result.stdout.splitlines()]
        assert len(out) == 3
        assert out[1] == {"error": {"field": "brand.name", "reason": out[1]["error"]["reason"]}}
        assert "Expected `str`" in out[1]["error"]["reason"]
        for analysis in (out[0], out[2]):
            assert set(analysis["brands"]) == {"欧派", "索菲亚", "志邦", "尚品"}
            assert analysis["brands"]["欧派"]["mentioned"] is True

    def test_output_is_the_library_analysis_byte_for_byte(self) -> None:
        """The command prints exactly what `shared.analysis.analyse` returns for the same input."""
        answer = fixture_answers()[2]["answer"]
        result = brandlens(None, "analyze", stdin=line(answer, self_report_expected=True) + "\n")
        assert result.returncode == 0, result.stderr
        expected = analyse(answer, Brand(name="欧派", aliases=["OPPEIN"]),
                           [Brand(name=c["name"]) for c in COMPETITORS], self_report_expected=True)
        assert result.stdout.encode() == msgspec.json.encode(expected) + b"\n"

    def test_not_json_and_blank_lines(self) -> None:
        """A line that is not JSON gets an error line without a field; blank lines are skipped."""
        result = brandlens(None, "analyze", stdin="\n{oops\n\n" + line("索菲亚和欧派都不错") + "\n")
        assert result.returncode == 0, result.stderr
        out = [json.loads(text) for text in result.stdout.splitlines()]
        assert len(out) == 2
        assert out[0]["error"]["field"] is None and "not a JSON object line" in out[0]["error"]["reason"]
        assert out[1]["brands"]["索菲亚"]["mentioned"] is True


class TestExplain:
    def test_every_verdict_is_printed_with_the_text_it_rests_on(self) -> None:
        """--explain quotes, per brand, the option header (rank), the sentence and cue words
        (tone) and the offsets of the JSON evidence."""
        answer = "推荐如下：\n1. **欧派**：品质优秀，口碑很好。\n2. **索菲亚**：性价比高，但售后一般。\n"
        result = brandlens(None, "analyze", "--explain", stdin=line(answer) + "\n")
        assert result.returncode == 0, result.stderr
        out = result.stdout
        assert "欧派 (main): mentioned ×1, rank 1, tone positive" in out
        analysis = analyse(answer, Brand(name="欧派", aliases=["OPPEIN"]), [Brand(name=c["name"]) for c in COMPETITORS])
        for name in ("欧派", "索菲亚"):
            for evidence in analysis.brands[name].evidence:
                # Sentences, headers and mentions with their offsets; cue words by their text.
                assert f"[{evidence.start}:{evidence.end}]" in out or answer[evidence.start:evidence.end] in out
        assert "rank     「1. **欧派**：品质优秀，口碑很好。」" in out
        assert "cues: 优秀, 好" in out
        assert "索菲亚: mentioned ×1, rank 2, tone neutral" in out and "UNSURE" in out
        assert "志邦: not mentioned" in out

    def test_a_bad_line_is_named_and_the_rest_explained(self) -> None:
        """A rejected line says which field and why; the next line is still explained."""
        bad = json.dumps({"brand": {"name": ""}, "answer": "x"})
        result = brandlens(None, "analyze", "--explain", stdin=bad + "\n" + line("欧派口碑好。") + "\n")
        assert result.returncode == 0, result.stderr
        assert "answer 1: rejected — brand.name: brand name is empty" in result.stdout
        assert "answer 2 (analyser" in result.stdout
