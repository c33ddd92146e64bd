"""The `brandlens` command line against the running test stack (real console script)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shared.embedded import free_port
from tests.harness import REPO, Harness


def brandlens(stack: Harness | None, *args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BRANDLENS_", "NATS_"))}
    if stack is not None:
        env.update(stack.env())
        env["BRANDLENS_HOME"] = str(stack.root / "cli-home")
    return subprocess.run([sys.executable, "-m", "services.cli", *args], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=timeout, check=False)


def write_request(path: Path, **overrides: object) -> Path:
    request = {"brand": {"name": "欧派"}, "competitors": [{"name": "索菲亚"}],
               "questions": ["全屋定制品牌哪家好"], "models": ["sim-qwen", "sim-deepseek"], "deadline_s": 60}
    request.update(overrides)
    path.write_text(json.dumps(request, ensure_ascii=False), encoding="utf-8")
    return path


class TestRunCommand:
    def test_run_writes_report_files_and_exits_zero(self, stack: Harness, tmp_path: Path) -> None:
        """`brandlens run` follows the run to the end and writes report.json and report.md."""
        result = brandlens(stack, "run", str(write_request(tmp_path / "req.json")), "--out", str(tmp_path / "out"))
        assert result.returncode == 0, result.stderr
        report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
        assert report["status"] == "complete" and len(report["cells"]) == 2
        assert (tmp_path / "out" / "report.md").read_text(encoding="utf-8").strip()
        assert "2/2" in result.stderr  # the progress bar reached the end

    def test_invalid_request_exits_non_zero_naming_the_field(self, stack: Harness, tmp_path: Path) -> None:
        """An invalid request prints each field and reason and exits 2."""
        path = write_request(tmp_path / "bad.json", samples=0, questions=["介绍一下{brandName}"])
        result = brandlens(stack, "run", str(path), "--out", str(tmp_path / "out"))
        assert result.returncode == 2
        assert "samples" in result.stderr and "questions[0]" in result.stderr
        assert not (tmp_path / "out").exists()

    def test_failed_run_exits_non_zero(self, stack: Harness, tmp_path: Path) -> None:
        """A run in which no cell succeeded exits 1 after writing its report."""
        path = write_request(tmp_path / "req.json", models=["badkey2"])
        result = brandlens(stack, "run", str(path), "--out", str(tmp_path / "out"))
        assert result.returncode == 1
        assert "failed" in result.stdout

    def test_dry_run_prints_cells_and_cost_without_a_stack(self, tmp_path: Path) -> None:
        """`--dry-run` validates and prices the request locally."""
        path = write_request(tmp_path / "req.json", questions=["a", "b", "{brand}和{competitor}"],
                             models=["deepseek-chat", "claude"], samples=2)
        result = brandlens(None, "run", str(path), "--dry-run")
        assert result.returncode == 0, result.stderr
        assert "12 cells" in result.stdout
        assert "estimated cost" in result.stdout


class TestQueries:
    def test_models_lists_readiness(self, stack: Harness) -> None:
        """`brandlens models` shows ready adapters and names the missing key of unconfigured ones."""
        result = brandlens(stack, "models")
        assert result.returncode == 0, result.stderr
        lines = {line.split()[0]: line for line in result.stdout.splitlines()[1:]}
        assert " yes " in lines["sim-qwen"]
        assert "BRANDLENS_TEST_UNSET_KEY" in lines["needs-key"]

    @pytest.mark.slow  # over 3 s: kept out of make test-fast, run by make test
    def test_models_exits_non_zero_when_no_stack_answers(self) -> None:
        """Without a running stack `brandlens models` fails with a clear message."""
        env_url = f"nats://127.0.0.1:{free_port()}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BRANDLENS_", "NATS_"))}
        env["NATS_URL"] = env_url
        result = subprocess.run([sys.executable, "-m", "services.cli", "models"], env=env, cwd=REPO,
                                capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode == 1
        assert "cannot reach NATS" in result.stderr

    def test_status_report_and_runs_by_run_id(self, stack: Harness, tmp_path: Path) -> None:
        """After a run, status, report (each format) and runs answer by run id."""
        brandlens(stack, "run", str(write_request(tmp_path / "req.json")), "--out", str(tmp_path / "out"))
        run_id = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))["run_id"]
        status = json.loads(brandlens(stack, "status", run_id).stdout)
        assert status["status"] == "complete"
        for fmt, marker in (("md", "#"), ("csv", "cell_id"), ("html", "<svg"), ("answers", '"answer":')):
            out = brandlens(stack, "report", run_id, "--format", fmt)
            assert out.returncode == 0 and marker in out.stdout, (fmt, out.stderr)
        runs = brandlens(stack, "runs")
        assert run_id in runs.stdout
