"""`brandlens demo` (what `make run` runs): the embedded stack from nothing to a finished report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness import REPO


@pytest.mark.slow  # over 3 s: kept out of make test-fast, run by make test
def test_demo_starts_the_embedded_stack_and_finishes_a_nine_cell_report(tmp_path: Path) -> None:
    """With no NATS_URL and no keys, the demo starts nats-server, simulator and services, runs 9 cells
    to `complete`, writes all four formats, prints where they are, and stops everything."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BRANDLENS_", "NATS_"))}
    env["BRANDLENS_HOME"] = str(tmp_path / "home")
    out = tmp_path / "report"
    result = subprocess.run([sys.executable, "-m", "services.cli", "demo", "--out", str(out)], env=env, cwd=REPO,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["status"] == "complete" and len(report["cells"]) == 9
    assert {c["model"] for c in report["cells"]} == {"sim-deepseek", "sim-qwen", "sim-doubao"}
    for name in ("report.md", "report.html", "cells.csv"):
        assert (out / name).stat().st_size > 0
        assert str(out / name) in result.stdout
    # Every child was stopped: the supervisor left no process behind listening.
    leftovers = subprocess.run(["pgrep", "-f", str(tmp_path / "home")], capture_output=True, text=True, check=False)
    assert leftovers.stdout.strip() == ""
