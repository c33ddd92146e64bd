"""`python -m bench --quick` end to end: every scenario runs at a tiny scale and writes a well-formed
result, so the benchmark cannot rot between the runs that measure (no timing is asserted here)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.bench  # behind a marker: `make test-fast` skips it

REPO = Path(__file__).resolve().parents[2]


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value >= 0


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("bench")
    done = subprocess.run([sys.executable, "-m", "bench", "--quick", "--out", str(out)], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    files = list(out.glob("bench-*.json"))
    assert len(files) == 1, files
    loaded: dict[str, Any] = json.loads(files[0].read_text(encoding="utf-8"))
    loaded["_stdout"] = done.stdout
    return loaded


class TestBenchRun:
    def test_writes_machine_facts_and_every_scenario(self, results: dict[str, Any]) -> None:
        """The results file names the machine and holds every scenario; the summary table is printed."""
        assert results["machine"]["nproc"] >= 1 and results["machine"]["python"].startswith("3.")
        assert set(results["scenarios"]) == {"makespan", "uniform", "recovery", "overhead", "scaleout", "users"}
        assert "makespan / limit" in results["_stdout"] and "results:" in results["_stdout"]

    def test_makespan_compares_with_limit_and_baselines_on_the_same_cells(self, results: dict[str, Any]) -> None:
        """The diagnosis completes, and every repeat has a limit, both baselines and their ratios."""
        makespan = results["scenarios"]["makespan"]
        for repeat in makespan["repeats"]:
            assert repeat["status"] == "complete"
            assert repeat["global_pool_ok"] == repeat["cells"]
            assert repeat["serial_ok"] == repeat["serial_subset_cells"]
            assert 0 < repeat["limit_s"] <= repeat["global_pool_limit_s"]
            assert all(_finite(repeat[k]) for k in ("makespan_s", "ratio_to_limit", "speedup_vs_serial",
                                                    "speedup_vs_global_pool"))

    def test_uniform_compares_with_its_limit_and_baselines_and_reports_eta_errors(
        self, results: dict[str, Any]
    ) -> None:
        """The uniform-latency runs complete; limit, both baselines and the ETA error at each mark are there."""
        uniform = results["scenarios"]["uniform"]
        assert uniform["global_pool_ok"] == uniform["workload"]["cells"]
        for repeat in uniform["repeats"]:
            assert repeat["status"] == "complete" and _finite(repeat["ratio_to_limit"])
            assert set(repeat["eta_error"]) == {"25%", "50%", "75%"}
        assert _finite(uniform["limit_s"]) and _finite(uniform["speedup_vs_serial"])

    def test_recovery_redelivers_every_held_job_and_stores_each_cell_once(self, results: dict[str, Any]) -> None:
        """After the SIGKILL every job the adapter held came back, the run completed, no cell twice."""
        recovery = results["scenarios"]["recovery"]
        assert all(r["status"] == "complete" and r["held_at_kill"] > 0 for r in recovery["repeats"])
        assert recovery["all_stored_once"] and _finite(recovery["recovered_s"])

    def test_overhead_reports_throughput_cpu_memory_and_report_time(self, results: dict[str, Any]) -> None:
        """Every cell is stored; CPU and peak RSS are measured for every process, nats-server included."""
        overhead = results["scenarios"]["overhead"]
        run = overhead["runs"][0]
        assert run["status"] == "complete" and run["stored"] == run["cells"]
        assert {"nats-server", "simulator", "aggregator", "dispatcher"} <= set(overhead["cpu_s_per_1000_cells"])
        assert any(name.startswith("adapter-") for name in overhead["memory"]["peak_rss_mb"])
        assert all(_finite(v) and v > 0 for v in overhead["memory"]["peak_rss_mb"].values())
        assert _finite(overhead["cells_per_s"]) and _finite(overhead["post_call_latency_ms"]["p99"])
        assert overhead["report_build_s"]["cells"] == run["cells"] and _finite(overhead["report_build_s"]["median"])
        assert _finite(overhead["memory"]["adapter_rss_growth_mb"] + 1000)

    def test_overhead_is_also_measured_at_the_catalogue_default_concurrency(self, results: dict[str, Any]) -> None:
        """Beside the headline (32 calls in flight per model) one run at 8 is measured, all of its cells stored."""
        overhead = results["scenarios"]["overhead"]
        other = overhead["at_other_concurrency"]
        assert overhead["workload"]["concurrency_per_model"] == 32 and other["concurrency_per_model"] == 8
        assert other["status"] == "complete" and _finite(other["cells_per_s"])
        assert _finite(other["cpu_s_per_1000_cells_total"]) and "nats-server" in other["cpu_s_per_1000_cells"]

    def test_scaleout_runs_with_one_then_two_replicas(self, results: dict[str, Any]) -> None:
        """The second phase really used two adapter processes, both calling the provider at once."""
        scaleout = results["scenarios"]["scaleout"]
        assert all(len(r["adapters"]) == 1 for r in scaleout["one_replica"])
        assert all(len(r["adapters"]) == 2 for r in scaleout["two_replicas"])
        assert scaleout["two_replicas"][0]["max_in_flight"] > scaleout["workload"]["concurrency_per_replica"]
        assert _finite(scaleout["speedup"])

    def test_users_all_complete_and_small_run_is_timed_next_to_a_running_big_one(
        self, results: dict[str, Any]
    ) -> None:
        """Every concurrent diagnosis completes; the big run was still going when the small one finished."""
        users = results["scenarios"]["users"]
        assert users["together"]["complete"] == users["together"]["submitted"]
        assert all(done < users["workload"]["big_run_cells"] for done in users["big_run_done_when_small_finished"])
        assert _finite(users["small_run_slowdown"])
