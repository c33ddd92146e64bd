"""analyse_jsonl_line(): the `brandlens analyze` line protocol. Never raises.

In:  {"brand": {"name", "aliases"?}, "competitors"?: [...], "answer": "...", "self_report_expected"?: bool}
Out: the AnswerAnalysis as one JSON object, or {"error": {"field": ..., "reason": ...}}.
"""

from __future__ import annotations

import re

import msgspec

from shared.analysis.analyser import analyse
from shared.brand import Brand


class AnalyseRequest(msgspec.Struct, kw_only=True):
    brand: Brand
    answer: str
    competitors: list[Brand] = []
    self_report_expected: bool = False


class LineError(msgspec.Struct, kw_only=True):
    field: str | None
    reason: str


class ErrorLine(msgspec.Struct, kw_only=True):
    error: LineError


_decoder = msgspec.json.Decoder(AnalyseRequest)
_encoder = msgspec.json.Encoder()
_PATH = re.compile(r"at `\$\.?([^`]*)`")


def _error(field: str | None, reason: str) -> bytes:
    return _encoder.encode(ErrorLine(error=LineError(field=field or None, reason=reason)))


def analyse_jsonl_line(line: str | bytes) -> bytes:
    raw = line.encode("utf-8", "surrogatepass") if isinstance(line, str) else line
    try:
        request = _decoder.decode(raw)
    except msgspec.ValidationError as exc:
        message = str(exc)
        path = _PATH.search(message)
        return _error(path.group(1) if path else None, message)
    except msgspec.DecodeError as exc:
        return _error(None, f"not a JSON object line: {exc}")
    if not request.brand.name.strip():
        return _error("brand.name", "brand name is empty")
    for index, competitor in enumerate(request.competitors):
        if not competitor.name.strip():
            return _error(f"competitors[{index}].name", "competitor name is empty")
    try:
        return _encoder.encode(
            analyse(
                request.answer,
                request.brand,
                request.competitors,
                self_report_expected=request.self_report_expected,
            )
        )
    except Exception as exc:  # noqa: BLE001 - one bad line must not end the batch (see below)
        # The line protocol promises an error line, never a crash that loses the rest of the batch.
        return _error(None, f"analyser failed: {type(exc).__name__}")
