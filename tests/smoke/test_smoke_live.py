"""`make smoke-live`: one diagnosis per keyed real model, a line per cell, reasons for skips, no keys.

The command runs as a subprocess on a catalogue whose "real" entries point at the simulator, so
the whole stack (NATS, dispatcher, adapter, aggregator) serves one real 2-question diagnosis.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shared.catalogue import load_catalogue
from tests.smoke.conftest import Simulator

REPO = Path(__file__).resolve().parents[2]
KEY = "sk-smoke-live-secret-value-0123456789"


def catalogue_file(tmp_path: Path, sim: Simulator) -> Path:
    path = tmp_path / "models.toml"
    path.write_text(f'''
[models.keyed]
protocol = "openai"
provider = "deepseek"
base_url = "{sim.url}/v1"
model = "deepseek-reasoner"
api_key_env = "BRANDLENS_SMOKE_TEST_KEY"
thinking = "on"
expected_reasoning_tokens = 1000
max_tokens = 4096
concurrency = 2
max_attempts = 1
price = {{ input_per_mtok = 2.0, output_per_mtok = 3.0, currency = "CNY" }}

[models.unkeyed]
protocol = "openai"
base_url = "{sim.url}/v1"
model = "gpt-4o"
api_key_env = "BRANDLENS_SMOKE_MISSING_KEY"

[models.sim-only]
protocol = "openai"
base_url = "{sim.url}/v1"
model = "qwen-max"
simulated = true
''')
    return path


class TestChoose:
    def test_keyed_real_models_run_and_the_rest_say_why(self, tmp_path: Path, sim: Simulator) -> None:
        """Only real entries with their key set run; missing keys, simulators and unknown names are
        listed with the reason."""
        from services.cli.smoke_live import choose

        catalogue = load_catalogue(catalogue_file(tmp_path, sim), environ={})
        run, skipped = choose(catalogue, {"BRANDLENS_SMOKE_TEST_KEY": KEY})
        assert [s.name for s in run] == ["keyed"]
        assert dict(skipped) == {"sim-only": "simulated (this smoke test is for real providers)",
                                 "unkeyed": "BRANDLENS_SMOKE_MISSING_KEY is not set"}
        _run, named = choose(catalogue, {}, ["nope"])
        assert named == [("nope", "not in the catalogue")]


@pytest.mark.slow
def test_one_diagnosis_prints_a_line_per_cell_and_never_the_key(tmp_path: Path, sim: Simulator) -> None:
    """Status, latency, tokens with reasoning, cost and classification per cell; the key appears
    nowhere in the output or the stack's logs; the simulator saw the two questions."""
    sim.fault(model="deepseek-reasoner", mode="truncate", count=1)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BRANDLENS_", "NATS_"))}
    env.update(BRANDLENS_MODELS=str(catalogue_file(tmp_path, sim)), BRANDLENS_HOME=str(tmp_path / "home"),
               BRANDLENS_SMOKE_TEST_KEY=KEY)
    done = subprocess.run([sys.executable, "-m", "services.cli.smoke_live"], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=240, check=False)
    output = done.stdout + done.stderr
    assert "unkeyed            skipped: BRANDLENS_SMOKE_MISSING_KEY is not set" in done.stdout
    lines = [line for line in done.stdout.splitlines() if line.startswith("keyed ")]
    assert len(lines) == 2, output
    assert any(" truncated " in line and "Truncated [length]" in line for line in lines), lines
    assert any(" ok " in line for line in lines), lines
    assert all("reasoning)" in line and " CNY" in line and line.split()[3].endswith("s") for line in lines), lines
    assert "keyed              Q1" in lines[0]  # columns are kept
    assert done.returncode == 0, output
    assert KEY not in output
    logs = "".join(p.read_text(errors="replace") for p in (tmp_path / "home" / "logs").glob("*.log"))
    assert logs and KEY not in logs
    assert sim.count("deepseek-reasoner") == 2
    # The real answers are kept for labelling, in the corpus's fields, without the key.
    (kept,) = (tmp_path / "home" / "smoke-live").glob("*.answers.jsonl")
    answers = [json.loads(line) for line in kept.read_text(encoding="utf-8").splitlines()]
    assert len(answers) == 2 and all(a["answer"] and a["model"] == "keyed" for a in answers)
    assert KEY not in kept.read_text(encoding="utf-8")
