"""The `brandlens analyze` line protocol: one JSON in, one JSON out, never an exception."""

from __future__ import annotations

import json

from shared.analysis import ANALYSER_VERSION, analyse_jsonl_line


class TestValidLines:
    def test_analysis_line(self) -> None:
        """A valid line returns the AnswerAnalysis as one JSON object (bytes, no newline)."""
        line = json.dumps({"brand": {"name": "华为"}, "competitors": [{"name": "小米"}],
                           "answer": "1. **小米**：性能。\n2. **华为**：生态。"}, ensure_ascii=False)
        out = analyse_jsonl_line(line)
        assert b"\n" not in out
        data = json.loads(out)
        assert data["analyser_version"] == ANALYSER_VERSION
        assert data["brands"]["华为"]["rank"] == 2
        assert data["intercepted_by"] == ["小米"]

    def test_bytes_input_and_unknown_fields(self) -> None:
        """Bytes are accepted and unknown fields ignored (additive contracts)."""
        line = json.dumps({"brand": {"name": "欧派", "aliases": ["OPPEIN"]}, "answer": "OPPEIN", "extra": 1}).encode()
        assert json.loads(analyse_jsonl_line(line))["brands"]["欧派"]["mentioned"] is True


    def test_bare_names_as_in_the_corpus(self) -> None:
        """A brand or competitor may be a bare name (the real-answer corpus writes lines so): it reads
        as a Brand with that name, mixed freely with Brand objects."""
        line = json.dumps({"brand": "华为", "competitors": ["小米", {"name": "荣耀", "aliases": ["HONOR"]}],
                           "answer": "1. **小米**：性能。\n2. **华为**：生态。\n3. HONOR"}, ensure_ascii=False)
        data = json.loads(analyse_jsonl_line(line))
        assert data["brands"]["华为"]["rank"] == 2 and data["brands"]["小米"]["rank"] == 1
        assert data["brands"]["荣耀"]["mentioned"] is True

    def test_a_corpus_line_is_analysed_as_it_is(self) -> None:
        """A line of ../shared/corpus/answers.jsonl shape (id, platform, question, has_geo_json, ...)
        needs no rewriting."""
        line = json.dumps({"id": "x1", "platform": "qwen", "model": "qwen-max", "question": "手机推荐",
                           "brand": "华为", "competitors": [], "answer": "推荐华为。", "has_geo_json": False,
                           "latency_ms": 1200, "timestamp": "2026-02-14T23:38:35"}, ensure_ascii=False)
        assert json.loads(analyse_jsonl_line(line))["brands"]["华为"]["mentioned"] is True


class TestErrorLines:
    def _error(self, line: str | bytes) -> dict[str, str | None]:
        data = json.loads(analyse_jsonl_line(line))
        assert set(data) == {"error"}
        error: dict[str, str | None] = data["error"]
        return error

    def test_not_json(self) -> None:
        """Malformed JSON yields an error line with no field."""
        error = self._error(b"{not json")
        assert error["field"] is None and error["reason"]

    def test_missing_answer(self) -> None:
        """A missing required field is named in the error."""
        error = self._error('{"brand": {"name": "华为"}}')
        assert "answer" in (error["reason"] or "")

    def test_wrong_type_names_the_field(self) -> None:
        """A wrongly typed field is reported by its path."""
        error = self._error('{"brand": {"name": 5}, "answer": "x"}')
        assert error["field"] == "brand.name"

    def test_empty_brand_name(self) -> None:
        """A blank brand name is rejected rather than analysed."""
        assert self._error('{"brand": {"name": "  "}, "answer": "x"}')["field"] == "brand.name"

    def test_empty_bare_names(self) -> None:
        """A blank bare name is rejected like a blank Brand name, naming the field."""
        assert self._error('{"brand": " ", "answer": "x"}')["field"] == "brand.name"
        assert self._error('{"brand": "华为", "competitors": ["小米", ""], "answer": "x"}')["field"] == \
            "competitors[1].name"

    def test_empty_competitor_name(self) -> None:
        """A blank competitor name is rejected with its index."""
        line = '{"brand": {"name": "华为"}, "competitors": [{"name": "小米"}, {"name": ""}], "answer": "x"}'
        assert self._error(line)["field"] == "competitors[1].name"

    def test_not_an_object(self) -> None:
        """A JSON array is not a request."""
        assert self._error("[1, 2]")["reason"]
