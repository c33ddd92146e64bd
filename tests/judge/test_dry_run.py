"""The dry run prices a judge as an upper bound (one job per cell), and rejects an unknown judge."""

from __future__ import annotations

import json

import pytest

from services.cli.commands import dry_run
from shared.catalogue import load_catalogue
from shared.config import load_settings


def payload(**overrides: object) -> bytes:
    request = {"brand": {"name": "欧派"}, "questions": ["全屋定制品牌哪家好", "欧派怎么样"],
               "models": ["deepseek-chat"], "deadline_s": 600, **overrides}
    return json.dumps(request, ensure_ascii=False).encode()


class TestDryRunWithJudge:
    def test_judge_jobs_are_bounded_by_the_cells_and_priced_on_their_own_line(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """At most one judge job per cell at the catalogue's judge-job prior; the total with the judge adds it."""
        settings = load_settings({})
        spec = load_catalogue(settings.models_path).models["deepseek-chat"]
        per_job, per_cell = spec.estimated_judge_cost(), spec.estimated_cell_cost()
        assert per_job is not None and per_cell is not None and per_job > 0
        assert dry_run(settings, payload(judge="deepseek-chat", max_cost=5.0)) == 0
        out = capsys.readouterr().out
        assert f"at most 2 judge jobs (one per answer with an unsure verdict), ≈ {per_job:.6f} CNY each" in out
        assert f"estimated cost with the judge: at most {2 * per_cell + 2 * per_job:.4f} CNY" in out
        assert "the judge's calls count against it" in out

    def test_no_judge_no_judge_line(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert dry_run(load_settings({}), payload()) == 0
        assert "judge" not in capsys.readouterr().out

    def test_an_unknown_judge_is_a_field_error(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert dry_run(load_settings({}), payload(judge="gpt-99")) == 2
        captured = capsys.readouterr()
        assert "judge" in captured.err and "gpt-99" in captured.err

    def test_with_max_cost_an_unpriced_judge_is_rejected(self, capsys: pytest.CaptureFixture[str]) -> None:
        """max_cost covers the judge's calls, so the judge must be priced too."""
        unpriced = next(name for name, spec in load_catalogue(load_settings({}).models_path).models.items()
                        if spec.price is None)
        assert dry_run(load_settings({}), payload(judge=unpriced, max_cost=5.0)) == 2
        err = capsys.readouterr().err
        assert "max_cost" in err and unpriced in err
