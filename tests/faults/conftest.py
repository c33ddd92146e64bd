"""Fixtures for the fault suite: a factory of fresh stacks, closed after each test."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.faults.stack import FaultStack, open_stack

StackFactory = Callable[..., Awaitable[FaultStack]]


@pytest.fixture
async def make_stack() -> AsyncIterator[StackFactory]:
    """`await make_stack(models, env=..., ...)`: a fresh stack in its own temp dir."""
    stacks: list[FaultStack] = []
    roots: list[Path] = []

    async def build(models: list[str], **kwargs: Any) -> FaultStack:
        root = Path(tempfile.mkdtemp(prefix="brandlens-fault-"))
        roots.append(root)
        stack = await open_stack(root, models, **kwargs)
        stacks.append(stack)
        return stack

    yield build
    for stack in stacks:
        await stack.close()
    for root in roots:
        shutil.rmtree(root, ignore_errors=True)
