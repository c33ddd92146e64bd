"""The outside-client tests run on node; in CI a missing node is a failure, never a quiet skip.

`make test` already needs npm (it installs the @nats-io packages first); .ci/run also sets
BRANDLENS_REQUIRE_NODE=1 so that no way of running pytest in CI can skip these.
"""

from __future__ import annotations

import os
import shutil

import pytest


@pytest.fixture(autouse=True)
def _node_present() -> None:
    """With BRANDLENS_REQUIRE_NODE=1 (CI) the outside tests must run: no node fails them."""
    if shutil.which("node") is None and os.environ.get("BRANDLENS_REQUIRE_NODE") == "1":
        pytest.fail("BRANDLENS_REQUIRE_NODE=1 but node is not on PATH (install node 20+ and npm)")
