"""`brandlens compare RUN_A RUN_B`: per-brand and per-model deltas with a significance verdict."""

from __future__ import annotations

import json

from shared.client import BrandlensClient
from tests.cli.conftest import brandlens_async
from tests.cli.seed import seed_finished_run
from tests.harness import Harness


def without_main_brand(answer: str) -> str:
    """The same answer with 欧派 never named, as if the model had forgotten it."""
    return answer.replace("欧派", "某品牌").replace("OPPEIN", "某品牌").replace("Oppein", "某品牌")


async def seed_pair(client: BrandlensClient) -> tuple[str, str]:
    """Run A: answers naming 欧派; run B: the same answers with 欧派 removed (2 models × 12 cells each)."""
    a, _ = await seed_finished_run(client.js, questions=3, models=2, samples=4)
    b, _ = await seed_finished_run(client.js, questions=3, models=2, samples=4, rewrite=without_main_brand)
    return a.run_id, b.run_id


def rows(stdout: str) -> dict[tuple[str, str], list[str]]:
    """The table's rows keyed by (brand, model), columns split on runs of two spaces."""
    table: dict[tuple[str, str], list[str]] = {}
    for line in stdout.splitlines()[3:]:
        cells = [cell.strip() for cell in line.split("  ") if cell.strip()]
        table[(cells[0], cells[1])] = cells
    return table


class TestCompareTable:
    async def test_prints_per_brand_and_per_model_deltas_with_significance(
        self, stack: Harness, client: BrandlensClient
    ) -> None:
        """Every tracked brand gets an overall row and one per model; 欧派 going from named in every
        answer to none is flagged YES overall and per model, with a negative visibility delta."""
        run_a, run_b = await seed_pair(client)
        result = await brandlens_async(stack, "compare", run_a, run_b)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(f"Comparison: {run_a} (A) → {run_b} (B)")
        table = rows(result.stdout)
        for brand in ("欧派", "索菲亚", "志邦", "尚品"):
            assert {(brand, "(all)"), (brand, "sim-model-0"), (brand, "sim-model-1")} <= table.keys()
        for model in ("(all)", "sim-model-0", "sim-model-1"):
            row = table[("欧派", model)]
            assert row[-1] == "YES", row
            assert row[4].startswith("-") and row[4].endswith("pts"), row

    async def test_json_output_carries_the_test_statistics(self, stack: Harness, client: BrandlensClient) -> None:
        """`--json` is the Comparison: z, p-value and the verdict per (brand, model)."""
        run_a, run_b = await seed_pair(client)
        result = await brandlens_async(stack, "compare", run_a, run_b, "--json")
        assert result.returncode == 0, result.stderr
        comparison = json.loads(result.stdout)
        assert (comparison["run_a"], comparison["run_b"]) == (run_a, run_b)
        deltas = {(d["brand"], d["model"]): d for d in comparison["deltas"]}
        main = deltas[("欧派", None)]
        assert main["significant"] is True and main["p_value"] < 0.05 and main["z"] < -1.96
        assert main["visibility_a"]["k"] == main["visibility_a"]["n"] > 0
        assert main["visibility_b"]["k"] == 0
        assert main["visibility_delta"]["value"] == -1.0

    async def test_same_run_twice_is_no_change(self, stack: Harness, client: BrandlensClient) -> None:
        """A live run compared with itself: every delta is zero and nothing is flagged beyond noise."""
        report = await client.run({"brand": {"name": "欧派"}, "competitors": [{"name": "索菲亚"}],
                                   "questions": ["全屋定制品牌哪家好"], "models": ["sim-qwen", "sim-deepseek"],
                                   "samples": 2, "deadline_s": 60}, timeout_s=60)
        result = await brandlens_async(stack, "compare", report.run_id, report.run_id, "--json")
        assert result.returncode == 0, result.stderr
        deltas = json.loads(result.stdout)["deltas"]
        assert {(d["brand"], d["model"]) for d in deltas} >= {("欧派", None), ("欧派", "sim-qwen"),
                                                              ("欧派", "sim-deepseek")}
        assert all(d["significant"] is not True for d in deltas)
        assert all(d["visibility_delta"]["value"] in (0.0, None) for d in deltas)


class TestCompareErrors:
    async def test_unknown_run_exits_non_zero_naming_it(self, stack: Harness, client: BrandlensClient) -> None:
        """Comparing with a run that does not exist exits 1, prints nothing on stdout and names the run."""
        run_a, _ = await seed_pair(client)
        result = await brandlens_async(stack, "compare", run_a, "r20200101000000cafebabe")
        assert result.returncode == 1
        assert result.stdout == ""
        assert "no run 'r20200101000000cafebabe'" in result.stderr
