"""``report_to_json`` / ``report_from_json``: the stored, machine-readable form of a report."""

from __future__ import annotations

import msgspec

from shared.report.types import Report

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Report)


def report_to_json(report: Report) -> bytes:
    return _encoder.encode(report)


def report_from_json(data: bytes | str) -> Report:
    return _decoder.decode(data)
