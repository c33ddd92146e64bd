"""derive_run_status: complete / partial / failed are a pure function of the stored cells."""

from __future__ import annotations

from shared.report import derive_run_status
from tests.report.factory import cell


class TestDeriveRunStatus:
    def test_every_cell_answered_is_complete(self) -> None:
        """ok and filtered cells only: the run is complete (a content filter is an answer)."""
        assert derive_run_status([cell("a"), cell("b", status="filtered")]) == "complete"

    def test_some_ok_is_partial(self) -> None:
        """One ok cell among failures makes the run partial."""
        assert derive_run_status([cell("a"), cell("b", status="timeout")]) == "partial"

    def test_no_ok_cell_is_failed(self) -> None:
        """Failures and filtered answers without a single ok cell make the run failed."""
        assert derive_run_status([cell("a", status="timeout"), cell("b", status="filtered")]) == "failed"

    def test_no_cells_is_failed(self) -> None:
        """A run with no stored cells is failed, never vacuously complete."""
        assert derive_run_status([]) == "failed"

    def test_missing_expected_cells_prevent_complete(self) -> None:
        """All stored cells ok but fewer than expected: partial, not complete."""
        assert derive_run_status([cell("a")], expected=2) == "partial"
        assert derive_run_status([cell("a"), cell("b")], expected=2) == "complete"

    def test_truncated_answers_are_answers(self) -> None:
        """A truncated cell is an answer: with ok cells the run is complete; among failures it alone
        makes the run partial."""
        assert derive_run_status([cell("a"), cell("b", status="truncated")]) == "complete"
        assert derive_run_status([cell("a", status="truncated"), cell("b", status="timeout")]) == "partial"
