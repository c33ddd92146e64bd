"""analyse_jsonl_line(): the `brandlens analyze` line protocol. Never raises.

In:  {"brand": {"name", "aliases"?}, "competitors"?: [...], "answer": "...", "self_report_expected"?: bool}
     (a brand or competitor may also be a bare name, as in the real-answer corpus's lines)
Out: the AnswerAnalysis as one JSON object, or {"error": {"field": ..., "reason": ...}}.
"""

from __future__ import annotations

import re

import msgspec

from shared.analysis.analyser import analyse
from shared.analysis.types import AnswerAnalysis
from shared.brand import Brand


class AnalyseRequest(msgspec.Struct, kw_only=True):
    # A bare name is accepted beside the Brand object: the corpus's lines, and most users' first
    # try, write "brand": "欧派". parse_jsonl_line turns names into Brand objects.
    brand: Brand | str
    answer: str
    competitors: list[Brand | str] = []
    self_report_expected: bool = False


class LineError(msgspec.Struct, kw_only=True):
    field: str | None
    reason: str


class ErrorLine(msgspec.Struct, kw_only=True):
    error: LineError


_decoder = msgspec.json.Decoder(AnalyseRequest)
_encoder = msgspec.json.Encoder()
_PATH = re.compile(r"at `\$\.?([^`]*)`")


def parse_jsonl_line(line: str | bytes) -> AnalyseRequest | LineError:
    """One input line as a request, or the error naming the field and the reason."""
    raw = line.encode("utf-8", "surrogatepass") if isinstance(line, str) else line
    try:
        request = _decoder.decode(raw)
    except msgspec.ValidationError as exc:
        message = str(exc)
        path = _PATH.search(message)
        return LineError(field=(path.group(1) if path else None) or None, reason=message)
    except msgspec.DecodeError as exc:
        return LineError(field=None, reason=f"not a JSON object line: {exc}")
    request.brand = as_brand(request.brand)
    request.competitors = [as_brand(competitor) for competitor in request.competitors]
    if not request.brand.name.strip():
        return LineError(field="brand.name", reason="brand name is empty")
    for index, competitor in enumerate(request.competitors):
        if not as_brand(competitor).name.strip():
            return LineError(field=f"competitors[{index}].name", reason="competitor name is empty")
    return request


def as_brand(brand: Brand | str) -> Brand:
    return Brand(name=brand) if isinstance(brand, str) else brand


def analyse_request(request: AnalyseRequest) -> AnswerAnalysis | LineError:
    try:
        return analyse(
            request.answer,
            as_brand(request.brand),
            [as_brand(competitor) for competitor in request.competitors],
            self_report_expected=request.self_report_expected,
        )
    except Exception as exc:  # noqa: BLE001 - one bad line must not end the batch (see below)
        # The line protocol promises an error line, never a crash that loses the rest of the batch.
        return LineError(field=None, reason=f"analyser failed: {type(exc).__name__}")


def analyse_jsonl_line(line: str | bytes) -> bytes:
    request = parse_jsonl_line(line)
    result = request if isinstance(request, LineError) else analyse_request(request)
    if isinstance(result, LineError):
        return _encoder.encode(ErrorLine(error=result))
    return _encoder.encode(result)
