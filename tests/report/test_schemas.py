"""docs/schemas/ holds JSON Schema generated from the msgspec types, and never drifts from them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from shared.report.schemas import SCHEMA_TYPES, schema_documents, write_schemas

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "docs" / "schemas"


class TestCommittedSchemas:
    def test_committed_files_equal_fresh_generation(self, tmp_path: Path) -> None:
        """Each committed schema equals a fresh generation (run `python -m shared.report.schemas` if not)."""
        written = write_schemas(tmp_path)
        assert len(written) == len(SCHEMA_TYPES)
        for path in written:
            committed = COMMITTED / path.name
            assert committed.exists(), f"{path.name} missing: run python -m shared.report.schemas"
            assert committed.read_bytes() == path.read_bytes(), (
                f"{path.name} is stale: run python -m shared.report.schemas"
            )

    def test_report_schema_describes_the_report(self) -> None:
        """The report schema resolves to the Report object with its required top-level fields."""
        document = json.loads(schema_documents()["report.schema.json"])
        report = document["$defs"]["Report"]
        for name in ("v", "run_id", "status", "totals", "brands", "cells", "cost", "failures"):
            assert name in report["properties"]
        assert document["$ref"] == "#/$defs/Report"


class TestEntryPoint:
    def test_module_entry_point_writes_the_files(self, tmp_path: Path) -> None:
        """`python -m shared.report.schemas <dir>` writes one file per type and prints their paths."""
        result = subprocess.run(
            [sys.executable, "-m", "shared.report.schemas", str(tmp_path)],
            cwd=REPO, capture_output=True, text=True, timeout=60, check=True,
        )
        names = sorted(p.name for p in tmp_path.iterdir())
        assert names == sorted(f"{stem}.schema.json" for stem in SCHEMA_TYPES)
        assert len(result.stdout.splitlines()) == len(SCHEMA_TYPES)
        assert "RuntimeWarning" not in result.stderr
