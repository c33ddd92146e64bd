"""The client library as documented: docs/client.md's example runs against the real stack."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from shared.client import BrandlensClient, RunNotFound
from tests.harness import REPO, Harness


def doc_example() -> str:
    text = (REPO / "docs" / "client.md").read_text(encoding="utf-8")
    match = re.search(r"```python\n(.*?)```", text, re.S)
    assert match, "docs/client.md has no python example"
    return match.group(1)


class TestDocumentedExample:
    async def test_ten_line_example_runs_a_diagnosis(
        self, stack: Harness, client: BrandlensClient, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The example in docs/client.md, executed verbatim, completes a run and prints its visibility."""
        assert stack.nats is not None
        code = doc_example()
        assert len([line for line in code.splitlines() if line.strip()]) <= 12
        namespace: dict[str, Any] = {}
        exec(compile(code, "docs/client.md", "exec"), namespace)
        await namespace["diagnose"](stack.nats.url)
        out = capsys.readouterr().out
        assert re.search(r"^r\d{14}[0-9a-f]{8} complete visibility \d+%$", out.strip(), re.M), out


class TestTypedErrors:
    async def test_unknown_run_raises_run_not_found(self, client: BrandlensClient) -> None:
        """Asking for a run that does not exist raises RunNotFound."""
        with pytest.raises(RunNotFound):
            await client.status("r00000000000000deadbeef")

    async def test_client_works_inside_the_callers_running_loop(self, client: BrandlensClient) -> None:
        """Methods are plain coroutines on the caller's loop: no loop is created or required."""
        import asyncio

        loop = asyncio.get_running_loop()
        listing = await client.models()
        assert asyncio.get_running_loop() is loop and listing


def test_example_file_is_part_of_the_docs() -> None:
    """docs/client.md exists where the README links to it."""
    assert (Path(REPO) / "docs" / "client.md").exists()
