"""Replies are byte-for-byte what they were when the golden digests were recorded."""

from __future__ import annotations

import json

from tests.simulator.golden import DIGESTS, replay


async def test_replies_match_recorded_digests() -> None:
    """Every protocol, stream mode, fault and error reply to the fixed request set is unchanged (seeded
    determinism: benchmarks and tests compare answers across runs and versions)."""
    expected = json.loads(DIGESTS.read_text())
    actual = await replay()
    assert len(actual) == len(expected)
    changed = [index for index, (got, want) in enumerate(zip(actual, expected, strict=True)) if got != want]
    assert not changed, f"{len(changed)} replies changed, first at request index {changed[:10]}"
