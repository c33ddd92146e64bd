"""Regression guard: the analyser's full output on every fixture answer equals the frozen snapshot."""

from __future__ import annotations

import pytest

from shared.analysis import ANALYSER_VERSION
from tests.analysis.snapshot import Case, analysis_json, load_cases, load_snapshot

CASES = load_cases()
SNAPSHOT = load_snapshot()


class TestSnapshotCoverage:
    def test_every_case_has_a_snapshot(self) -> None:
        """Each labelled and stored simulator answer has a frozen analysis, and no snapshot entry is orphaned."""
        assert len(CASES) == 84 + 48
        assert {case.id for case in CASES} == set(SNAPSHOT)

    def test_snapshot_is_for_this_analyser_version(self) -> None:
        """The snapshot was taken with the current ANALYSER_VERSION: a behaviour change must bump the
        version and regenerate the snapshot deliberately."""
        assert all(f'"analyser_version":"{ANALYSER_VERSION}"' in text for text in SNAPSHOT.values())


class TestUnchangedOutput:
    @pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
    def test_analysis_matches_snapshot(self, case: Case) -> None:
        """analyse() returns, field for field (msgspec-encoded), the output frozen before optimisation."""
        assert analysis_json(case) == SNAPSHOT[case.id]
