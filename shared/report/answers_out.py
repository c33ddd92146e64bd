"""``render_answers``: answers.jsonl, a run's answers as JSON lines (``--format answers``).

One line per cell that holds answer text, in the fields of the real-answer corpus brandlens's
analyser is measured on (``id``, ``platform``, ``model``, ``question``, ``answer``,
``has_geo_json``, ``latency_ms``, ``timestamp``), with the run's ``brand`` and ``competitors`` as
``brandlens analyze`` reads them (name and aliases). Why this format: a run on real engines is
where new real answers come from, and these lines can be fed to ``brandlens analyze`` as they
are, and labelled under the guide in docs/analysis.md to grow the held-out test set.

``id`` is the corpus's kind of id, a hash of question and answer, so the same answer collected
twice has one id; ``run_id``, ``cell_id``, ``sample``, ``status`` and ``surface`` say where it came from.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import msgspec

from shared.report.types import CellView, Report

_encoder = msgspec.json.Encoder()


def answer_id(question: str, answer: str) -> str:
    return hashlib.sha256(f"{question}\n{answer}".encode()).hexdigest()[:16]


def _line(report: Report, cell: CellView, timestamp: str | None) -> dict[str, object]:
    return {
        "id": answer_id(cell.question, cell.answer),
        "platform": cell.model,
        "model": cell.model,
        "question": cell.question,
        "brand": report.brand,
        "competitors": report.competitors,
        "answer": cell.answer,
        "has_geo_json": cell.analysis is not None and cell.analysis.self_report is not None,
        "latency_ms": cell.latency_ms,
        "timestamp": timestamp,
        "run_id": report.run_id,
        "cell_id": cell.cell_id,
        "sample": cell.sample,
        "status": cell.status,
        "surface": cell.surface,
    }


def render_answers(report: Report) -> bytes:
    finished = report.finished_at or report.generated_at
    timestamp = datetime.fromtimestamp(finished, UTC).isoformat() if finished else None
    return b"".join(_encoder.encode(_line(report, cell, timestamp)) + b"\n" for cell in report.cells if cell.answer)
