"""The bench's output: one JSON file per run under bench/results/, and a summary table."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def machine() -> dict[str, Any]:
    cpu_model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                cwd=RESULTS_DIR.parent.parent, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return {"nproc": os.cpu_count(), "cpu_model": cpu_model, "python": platform.python_version(),
            "platform": platform.platform(), "commit": commit}


def load_average() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def write(results: dict[str, Any], out_dir: Path = RESULTS_DIR) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"bench-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
    path.write_text(json.dumps(results, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return path


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def summary_rows(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(figure, value, target, verdict) for every scenario that ran."""
    rows: list[tuple[str, str, str, str]] = []

    def add(name: str, value: Any, target: str = "", ok: bool | None = None, digits: int = 2) -> None:
        rows.append((name, _fmt(value, digits), target, "" if ok is None else ("met" if ok else "NOT MET")))

    def add_eta(label: str, m: dict[str, Any]) -> None:
        if "eta_error_pct" not in m:
            return
        add(f"  {label}: estimate p50 (s)", m["estimate_p50_s"])
        errors = " / ".join("—" if v is None else f"{v:+.0f}%" for v in m["eta_error_pct"].values())
        add(f"  {label}: ETA error at 25 / 50 / 75% done", errors)

    s = results.get("scenarios", {})
    if m := s.get("makespan"):
        add("makespan: brandlens (s)", m["makespan_s"])
        add("makespan: provider limit (s)", m["limit_s"])
        add("makespan / limit", m["ratio_to_limit"], "≤ 1.05", m["ratio_to_limit"] <= 1.05, 3)
        add("global pool of 8 (s)", m["global_pool_s"])
        add("serial, fresh loop per call (s, extrapolated)", m["serial_estimated_s"], digits=1)
        add("speed-up vs global pool", m["speedup_vs_global_pool"], digits=1)
        add("speed-up vs serial", m["speedup_vs_serial"], digits=1)
        add("  added latency after the call p50 / p99 (ms)",
            f"{m['post_call_latency_ms']['p50']:.1f} / {m['post_call_latency_ms']['p99']:.1f}")
        add("  submit to first provider call (ms)", m["submit_to_first_call_ms"], digits=1)
        add_eta("lognormal", m)
    if u := s.get("uniform"):
        w = u["workload"]
        add(f"uniform {w['latency_ms'] / 1000:g} s × {w['slots']} slots: brandlens (s)", u["makespan_s"])
        add("  run record created → ended (s)", u["record_makespan_s"])
        add("  provider limit (s)", u["limit_s"])
        add("  makespan / limit", u["ratio_to_limit"], "≤ 1.05", u["ratio_to_limit"] <= 1.05, 3)
        add("  run record / limit", u["record_ratio_to_limit"], digits=3)
        add(f"  global pool of {w['slots']} (s)", u["global_pool_s"])
        add("  serial, fresh loop per call (s, extrapolated)", u["serial_estimated_s"], digits=1)
        add("  speed-up vs global pool; vs serial",
            f"{u['speedup_vs_global_pool']:.1f}; {u['speedup_vs_serial']:.1f}")
        add_eta("uniform", u)
    if r := s.get("recovery"):
        add("SIGKILLed adapter: its jobs running again after (s)", r["recovered_s"], "≤ 10", r["recovered_s"] <= 10)
        add("  kill → run end (s)", r["kill_to_run_end_s"])
        add("  every cell stored once", "yes" if r["all_stored_once"] else "NO", "yes", r["all_stored_once"])
    if o := s.get("overhead"):
        add("overhead: cells/s end to end", o["cells_per_s"], "≥ 1,000", o["cells_per_s"] >= 1000, 0)
        add("  call → stored p50 / p99 at saturation (ms)",
            f"{o['post_call_latency_ms']['p50']:,.0f} / {o['post_call_latency_ms']['p99']:,.0f}")
        add("CPU s per 1,000 cells, all processes", o["cpu_s_per_1000_cells_total"], "≤ 2.0 (1,000/s on 2 cores)",
            o["cpu_s_per_1000_cells_total"] <= 2.0)
        for proc, cpu in o["cpu_s_per_1000_cells"].items():
            add(f"  CPU s / 1,000 cells: {proc}", cpu, digits=3)
        if other := o.get("at_other_concurrency"):
            add(f"overhead at the catalogue's concurrency {other['concurrency_per_model']} "
                f"(headline at {o['workload']['concurrency_per_model']}): cells/s; CPU s / 1,000 cells",
                f"{other['cells_per_s']:,.0f}; {other['cpu_s_per_1000_cells_total']:.2f}")
        mem = o["memory"]
        for proc, peak in mem["peak_rss_mb"].items():
            add(f"  peak RSS MB: {proc}", peak, digits=1)
        growth = mem["adapter_rss_growth_mb"]
        first, last = mem["adapter_rss_marks"]
        add(f"adapter RSS growth, its cell {first:,} → {last:,} (MB)", growth, "< 20",
            None if growth is None else growth < 20, 1)
        rb = o["report_build_s"]
        add(f"report build, {rb['cells']:,} cells (s)", rb["median"], "< 2", rb["median"] < 2, 3)
    if sc := s.get("scaleout"):
        add("scale-out: 1 replica (cells/s)", sc["one_replica_cells_per_s"], digits=1)
        add("scale-out: 2 replicas (cells/s)", sc["two_replicas_cells_per_s"], digits=1)
        add("scale-out speed-up", sc["speedup"], "≥ 1.8", sc["speedup"] >= 1.8)
    if u := s.get("users"):
        t, w = u["together"], u["workload"]
        add(f"{t['submitted']} diagnoses at once: complete", f"{t['complete']}/{t['submitted']}", "all",
            t["complete"] == t["submitted"])
        add(f"{t['submitted']} diagnoses at once: all done (s)", t["all_done_s"])
        add(f"{w['small_run_cells']}-cell run, idle (s)", u["small_run_idle_s"], digits=3)
        add(f"{w['small_run_cells']}-cell run next to a {w['big_run_cells']:,}-cell run (s)",
            u["small_run_next_to_big_s"], digits=3)
        add("  slow-down", u["small_run_slowdown"], "≤ 2", u["small_run_slowdown"] <= 2)
    return rows


def table(results: dict[str, Any]) -> str:
    rows = [("figure", "value", "target", ""), *summary_rows(results)]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def profile_text(results: dict[str, Any], top: int = 8) -> str:
    """The overhead run's profile (with --profile): each process's hottest functions by own time."""
    profiled = results.get("scenarios", {}).get("overhead", {}).get("profile")
    if not profiled:
        return ""
    lines = [f"\nprofile (py-spy, GIL-holding samples; run took {profiled['run_seconds_under_profiler']:.1f} s):"]
    for name, summary in profiled["processes"].items():
        lines.append(f"  {name} ({summary['samples']} samples)")
        lines += [f"    {row['share']:6.1%}  {row['function']}" for row in summary["self"][:top]]
    return "\n".join(lines)
