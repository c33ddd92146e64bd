"""The analyser's full output on every fixture answer, frozen as a snapshot file.

Speed work must not change a single result: the snapshot was written from the analyser before it
was optimised, and tests/analysis/test_snapshot.py compares every case against it byte for byte.
Run ``.venv/bin/python -m tests.analysis.snapshot --write`` to regenerate it, only when an
intended behaviour change also bumps ANALYSER_VERSION.

Cases: the 84 labelled corpus answers (self-report expected, so the "requested but absent" note is
covered too) and 48 stored simulator answers analysed for the benchmark's brands, whose Latin
aliases exercise the word-boundary paths the Chinese corpus rarely reaches.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import msgspec

from shared.analysis import analyse
from shared.brand import Brand
from tests.analysis.quality import load_fixtures

FIXTURES = Path(__file__).parent / "fixtures"
SIMULATOR_ANSWERS = FIXTURES / "simulator_answers.jsonl"
SNAPSHOT = FIXTURES / "analysis_snapshot.jsonl"


class Case(msgspec.Struct, kw_only=True):
    id: str
    answer: str
    brand: Brand
    competitors: list[Brand]
    self_report_expected: bool


def load_cases() -> list[Case]:
    cases = [
        Case(id=f"labelled:{row['id']}", answer=row["answer"], brand=Brand(name=row["brand"]),
             competitors=[Brand(name=c) for c in row["competitors"]], self_report_expected=True)
        for row in load_fixtures()
    ]
    lines = SIMULATOR_ANSWERS.read_text(encoding="utf-8").splitlines()
    cases.extend(msgspec.json.decode(line, type=Case) for line in lines if line.strip())
    return cases


def analysis_json(case: Case) -> str:
    result = analyse(case.answer, case.brand, case.competitors, self_report_expected=case.self_report_expected)
    return msgspec.json.encode(result).decode()


def load_snapshot() -> dict[str, str]:
    entries = [json.loads(line) for line in SNAPSHOT.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {entry["id"]: entry["analysis"] for entry in entries}


def _store_simulator_answers() -> None:
    """Copy 48 simulator answers into the test tree, so the snapshot does not move when the
    simulator's wording changes."""
    from tests.analysis.speed import SIM_BRAND, SIM_COMPETITORS, simulator_answers

    lines = []
    for index, answer in enumerate(simulator_answers(48)):
        case = Case(id=f"simulator:{index}", answer=answer, brand=SIM_BRAND, competitors=SIM_COMPETITORS,
                    self_report_expected=index % 3 == 0)
        lines.append(msgspec.json.encode(case).decode())
    SIMULATOR_ANSWERS.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write() -> None:
    if not SIMULATOR_ANSWERS.exists():
        _store_simulator_answers()
    entries: list[dict[str, Any]] = [{"id": case.id, "analysis": analysis_json(case)} for case in load_cases()]
    SNAPSHOT.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries), encoding="utf-8")
    print(f"wrote {len(entries)} cases to {SNAPSHOT}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m tests.analysis.snapshot --write")
    write()
