"""JSON Schema files for the report and the bus contracts, generated from the msgspec types.

Run ``python -m shared.report.schemas`` to regenerate docs/schemas/ after changing a type; a
test fails when the committed files differ from freshly generated ones, so the published
schemas never drift from the code.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import msgspec

from shared.contracts import CellResult, Completed, DiagnosisRequest, Job, Progress
from shared.monitoring.trend_types import Trend
from shared.report.types import Comparison, Report

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
DEFAULT_DIRECTORY = Path(__file__).resolve().parents[2] / "docs" / "schemas"

# File stem -> type. Stems are kebab-case so they read well in URLs and docs links.
SCHEMA_TYPES: dict[str, Any] = {
    "report": Report,
    "comparison": Comparison,
    "diagnosis-request": DiagnosisRequest,
    "job": Job,
    "cell-result": CellResult,
    "progress": Progress,
    "completed": Completed,
    "trend": Trend,
}


def schema_documents() -> dict[str, bytes]:
    """Each file's exact bytes: one self-contained schema per type, its definitions inline."""
    documents: dict[str, bytes] = {}
    for stem, kind in SCHEMA_TYPES.items():
        (root,), components = msgspec.json.schema_components([kind], ref_template="#/$defs/{name}")
        document = {"$schema": SCHEMA_DIALECT, "title": kind.__name__, **root, "$defs": components}
        text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        documents[f"{stem}.schema.json"] = text.encode("utf-8")
    return documents


def write_schemas(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in schema_documents().items():
        path = directory / name
        path.write_bytes(data)
        written.append(path)
    return written


def main(argv: list[str]) -> int:
    directory = Path(argv[1]) if len(argv) > 1 else DEFAULT_DIRECTORY
    for path in write_schemas(directory):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
